import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../helpers/shared-models.js';

/**
 * The op registry's reference implementations are the runtime fallback's code: they may depend only
 * on leaf modules, never on frontends, passes, the backend, the CLI or Node's own modules.
 */
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Value imports (type-only imports vanish at compile time and cost the runtime nothing). */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\b)[^'";]*?from\s+['"]([^'"]+)['"]/gm))
    specs.push(m[2]!);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specs.push(m[1]!);
  return specs;
}

const LEAVES = ['ir/dtype.ts', 'ir/half.ts', 'ir/tensor.ts', 'ir/shape.ts', 'errors.ts'];
/** Compiler-side helpers inside src/ops that reference code must not use. */
const OPS_COMPILER_SIDE = ['ops/node-context.ts', 'ops/all.ts'];

test('op reference implementations import only leaf modules', () => {
  const offenders: string[] = [];
  for (const file of sources(join(SRC, 'ops'))) {
    const rel = relative(SRC, file);
    if (OPS_COMPILER_SIDE.includes(rel)) continue;
    for (const spec of valueImports(file)) {
      if (!spec.startsWith('.')) {
        offenders.push(`${rel} imports package '${spec}'`);
        continue;
      }
      const target = relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      const ok =
        (target.startsWith('ops/') && !OPS_COMPILER_SIDE.includes(target)) || LEAVES.includes(target);
      if (!ok) offenders.push(`${rel} imports ${target}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('the layering check sees imports (it would catch a violation)', () => {
  const probe = join(SRC, 'ops/node-context.ts');
  assert.ok(
    valueImports(probe).some((s) => s.includes('errors')),
    'node-context imports errors.js',
  );
});
