import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../helpers/shared-models.js';

/**
 * The runtime ships alone to browsers and servers: it and the NEFF reader may import only each
 * other and errors.ts, never the compiler, a package or a Node module (type-only imports count
 * too: they would leak into the published declarations). Node modules are reached only through
 * runtime/host.ts's computed dynamic import, which bundlers leave alone.
 */
const SRC = join(ROOT, 'src');
const ALLOWED = (target: string): boolean =>
  target.startsWith('runtime/') || target.startsWith('neff/') || target === 'errors.ts';
const COMPUTED_IMPORT_ALLOWED = ['runtime/host.ts'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Imports {
  readonly specifiers: string[];
  readonly computed: number;
}

/** Static imports and re-exports (value or type), literal dynamic imports, require() calls. */
function importsOf(text: string): Imports {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const specifiers: string[] = [];
  for (const m of code.matchAll(/\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g))
    specifiers.push(m[1]!);
  for (const m of code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) specifiers.push(m[1]!);
  for (const m of code.matchAll(/\b(?:import|require)\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g))
    specifiers.push(m[1]!);
  const computed = [...code.matchAll(/\b(?:import|require)\s*\(\s*(?!['"`][^'"`]*['"`]\s*\))/g)].length;
  return { specifiers, computed };
}

/** Every file reachable from the runtime's and the reader's files, with what each wrongly imports. */
function offenders(): { visited: Set<string>; problems: string[] } {
  const queue = [...sources(join(SRC, 'runtime')), ...sources(join(SRC, 'neff'))];
  const visited = new Set<string>();
  const problems: string[] = [];
  while (queue.length) {
    const file = queue.pop()!;
    const rel = relative(SRC, file);
    if (visited.has(rel)) continue;
    visited.add(rel);
    const { specifiers, computed } = importsOf(readFileSync(file, 'utf8'));
    if (computed > 0 && !COMPUTED_IMPORT_ALLOWED.includes(rel))
      problems.push(`${rel} has a computed import()`);
    for (const spec of specifiers) {
      if (!spec.startsWith('.')) {
        problems.push(`${rel} imports '${spec}'`);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      const targetRel = relative(SRC, target);
      if (!ALLOWED(targetRel)) problems.push(`${rel} imports ${targetRel}`);
      else if (!existsSync(target)) problems.push(`${rel} imports ${targetRel}, which does not exist`);
      else queue.push(target);
    }
  }
  return { visited, problems };
}

test('the runtime and the NEFF reader import only runtime/, neff/ and errors.ts', () => {
  const { visited, problems } = offenders();
  assert.ok(visited.has('runtime/index.ts') && visited.has('neff/reader.ts') && visited.has('errors.ts'));
  assert.deepEqual(problems, []);
});

test('the import scan sees every form of import (it would catch a violation)', () => {
  const text = [
    "import { a } from '../ir/dtype.js';",
    "import type { B } from '../passes/x.js';",
    'import {\n  c,\n  d,\n} from "commander";',
    "export { e } from '../backend/wasm/emit.js';",
    "export * from '../frontends/onnx/import.js';",
    "import 'side-effect';",
    "const m = await import('node:fs');",
    "const r = require('protobufjs');",
    'const dyn = await import(name);',
    "// import { ignored } from 'in-a-comment';",
    "/* import { ignored2 } from 'in-a-block-comment'; */",
    "const url = 'https://example.invalid/x'; // a string with // inside",
  ].join('\n');
  const { specifiers, computed } = importsOf(text);
  assert.deepEqual(specifiers.sort(), [
    '../backend/wasm/emit.js',
    '../frontends/onnx/import.js',
    '../ir/dtype.js',
    '../passes/x.js',
    'commander',
    'node:fs',
    'protobufjs',
    'side-effect',
  ]);
  assert.equal(computed, 1);
});
