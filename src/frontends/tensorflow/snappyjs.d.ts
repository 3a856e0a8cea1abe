/** The part of snappyjs (raw Snappy blocks, as LevelDB tables hold them) that the checkpoint reader uses. */
declare module 'snappyjs' {
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  const snappy: { uncompress: typeof uncompress };
  export default snappy;
}
