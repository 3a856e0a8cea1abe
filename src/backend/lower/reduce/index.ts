/** Lowerings of the reduce op family; each file calls registerLowerings for its ops. */
import './reduce.js';
import './arg.js';
import './softmax.js';
import './batch-norm.js';
import './group-norm.js';
import './layer-norm.js';
import './lp-norm.js';
import './lrn.js';
import './cumulative.js';
import './topk.js';
import './resize.js';
import './losses.js';
import './rotary.js';
import './attention.js';
