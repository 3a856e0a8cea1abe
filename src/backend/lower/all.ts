/** Every lowering family, registered on first import. */
import './views.js';
import './elementwise/index.js';
import './movement/index.js';
import './linalg/index.js';
import './reduce/index.js';
import './image/index.js';
import './recurrent/index.js';

export { lookupLowering, loweredOps } from './registry.js';
