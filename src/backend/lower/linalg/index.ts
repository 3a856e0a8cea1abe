/** Lowerings of the linalg op family; each file calls registerLowerings for its ops. */
import './matmul.js';
import './gemm.js';
import './conv.js';
