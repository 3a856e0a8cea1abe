/** Lowerings of the elementwise op family; each file calls registerLowerings for its ops. */
import './unary.js';
import './clip.js';
import './binary.js';
import './pow.js';
import './variadic.js';
import './cast.js';
import './fused.js';
