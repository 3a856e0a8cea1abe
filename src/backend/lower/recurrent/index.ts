/** Lowerings of the recurrent op family; each file calls registerLowerings for its ops. */
import './rnn-cells.js';
import './linear-attention.js';
import './causal-conv.js';
