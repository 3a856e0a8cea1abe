/** Every lowering family, registered on first import. */
export { lookupLowering, loweredOps } from './registry.js';
