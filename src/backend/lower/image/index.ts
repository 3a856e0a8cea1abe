/** Lowerings of the image and signal op family (Resize lives with reduce) and Det. */
import './affine-grid.js';
import './det.js';
import './dft.js';
import './generators.js';
import './grid-sample.js';
import './random.js';
import './roi-align.js';
import './stft.js';
