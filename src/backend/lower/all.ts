/** Every lowering family, registered on first import. */
import './views.js';

export { lookupLowering, loweredOps } from './registry.js';
