/** Where and with what a bench ran: the machine, and the versions of everything measured. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../version.js';
import { isNccRuntime, type RuntimeId } from './protocol.js';
import type { Machine } from './results.js';

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryBytes: totalmem(),
    os: osName(),
    loadBefore: loadavg()[0]!,
  };
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    return `${pretty ?? type()} (${type()} ${release()})`;
  } catch {
    return `${type()} ${release()}`;
  }
}

export function versions(): Record<string, string> {
  return {
    node: process.version,
    'neuron-cc': `${VERSION}${commit()}`,
    'onnxruntime-node': packageVersion('onnxruntime-node'),
    'onnxruntime-web': packageVersion('onnxruntime-web'),
    '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
  };
}

/** The npm packages a peer needs. */
const PEER_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'onnxruntime-node': ['onnxruntime-node'],
  'onnxruntime-web': ['onnxruntime-web'],
  'tfjs-wasm': ['@tensorflow/tfjs-core', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-backend-wasm'],
};

/** The installed version of a package, found from where it resolves. */
export function packageVersion(name: string): string {
  let dir: string;
  try {
    dir = dirname(fileURLToPath(import.meta.resolve(name)));
  } catch {
    return 'not installed';
  }
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name) return pkg.version ?? 'unknown';
  }
  return 'unknown';
}

/** ' (commit abc1234)' with '+ local changes' when the tree is dirty; '' outside a git checkout. */
function commit(): string {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no') ? ' + local changes' : '';
    return ` (commit ${git('rev-parse', '--short', 'HEAD')}${dirty})`;
  } catch {
    return '';
  }
}

/** The runtimes whose packages are installed; each missing peer is named with how to install it. */
export function installedRuntimes(wanted: readonly RuntimeId[], log: (line: string) => void): RuntimeId[] {
  return wanted.filter((r) => {
    if (isNccRuntime(r)) return true;
    const missing = (PEER_PACKAGES[r] ?? [r]).filter((p) => packageVersion(p) === 'not installed');
    if (missing.length === 0) return true;
    log(`SKIPPED peer ${r}: not installed (npm install --save-dev ${missing.join(' ')})`);
    return false;
  });
}
