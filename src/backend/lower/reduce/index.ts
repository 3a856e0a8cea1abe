/** Lowerings of the reduce op family; each file calls registerLowerings for its ops. */
import './reduce.js';
