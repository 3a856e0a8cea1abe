/** Lowerings of the linalg op family; each file calls registerLowerings for its ops. */
import './matmul.js';
import './gemm.js';
import './conv.js';
import './conv-transpose.js';
import './pool.js';
import './pool-global.js';
import './quantize.js';
import './quant-linalg.js';
import './einsum.js';
import './scatter-ops.js';
import './deform-conv.js';
