/**
 * The one place that touches Node.js. Node modules are imported by a computed specifier, so browser
 * bundlers (esbuild, webpack, Vite) neither resolve nor polyfill them: a browser never reaches these
 * paths, and its bundle stays free of Node built-ins without any bundler configuration.
 */

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

export async function importNodeBuiltin<T>(name: 'node:fs/promises' | 'node:v8'): Promise<T> {
  const specifier: string = name;
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
}
