/**
 * onnxruntime-web (WebAssembly, SIMD, threads) as a bench peer. In Node, `import 'onnxruntime-web'`
 * resolves to its Node build (dist/ort.node.min.mjs), which runs threads as worker threads. Its
 * thread count is process-wide and fixed when the first session starts, so a process measures one
 * thread count only.
 */
import { handlerName, OrtBenchSession, sessionOptions, type OrtModule } from './peer-ort.js';
import { importPeer, type OpenOptions, type RuntimeAdapter, type Session } from './runtimes.js';

export async function ortWebAdapter(): Promise<RuntimeAdapter> {
  const ort = await importPeer<OrtModule>('onnxruntime-web');
  let started: number | undefined;
  return {
    async open({ files, threads, feeds }: OpenOptions): Promise<Session> {
      if (started !== undefined && started !== threads)
        throw new Error(`onnxruntime-web already runs ${started} threads in this process, not ${threads}`);
      ort.env.wasm.numThreads = threads;
      started = threads;
      const session = await ort.InferenceSession.create(files.modelFile, sessionOptions(threads, ['wasm']));
      const handler = handlerName(session);
      if (handler !== 'wasm') throw new Error(`onnxruntime-web's session runs on '${handler}', not wasm`);
      const actual = ort.env.wasm.numThreads ?? threads;
      return new OrtBenchSession('onnxruntime-web', `wasm, ${actual} thread(s)`, session, ort, feeds);
    },
  };
}
