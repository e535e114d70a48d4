// The one TensorFlow.js instance every package uses. `@tensorflow/tfjs` (not tfjs-core alone)
// because only its Node bundle registers the gradient functions; tfjs-core's own ESM build
// cannot be imported by Node directly.
import * as tf from '@tensorflow/tfjs';

export type { Rank, Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Variable } from '@tensorflow/tfjs';
export { tf };
