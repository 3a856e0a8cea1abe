/** Lowerings of the movement op family; each file calls registerLowerings for its ops. */
import './permute.js';
import './concat-split.js';
import './slice-pad.js';
import './expand-tile.js';
import './gather.js';
import './scatter.js';
import './sequence.js';
import './trilu.js';
import './generate.js';
import './dynamic.js';

export { lowerDropout } from './dropout.js';
