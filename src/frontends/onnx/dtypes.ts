export {
  codeName as onnxTypeName,
  codeOfDType as onnxCodeOf,
  dtypeFromCode as dtypeFromOnnx,
} from '../../ops/support/dtype-codes.js';
