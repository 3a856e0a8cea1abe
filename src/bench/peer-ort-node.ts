/** onnxruntime-node (native CPU execution provider) as a bench peer. */
import { handlerName, OrtBenchSession, sessionOptions, type OrtModule } from './peer-ort.js';
import { importPeer, type OpenOptions, type RuntimeAdapter, type Session } from './runtimes.js';

/** The class onnxruntime-node's native binding gives its sessions. */
const NATIVE_HANDLER = 'OnnxruntimeSessionHandler';

export async function ortNodeAdapter(): Promise<RuntimeAdapter> {
  const ort = await importPeer<OrtModule>('onnxruntime-node');
  return {
    async open({ files, threads, feeds }: OpenOptions): Promise<Session> {
      const session = await ort.InferenceSession.create(files.modelFile, sessionOptions(threads, ['cpu']));
      const handler = handlerName(session);
      // a session on another backend would make every ratio to onnxruntime-node a lie
      if (handler !== NATIVE_HANDLER)
        throw new Error(`onnxruntime-node's session runs on '${handler}', not the native CPU backend`);
      return new OrtBenchSession('onnxruntime-node', 'native CPU', session, ort, feeds);
    },
  };
}
