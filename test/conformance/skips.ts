/**
 * The explicit skip list of the ONNX conformance run. A case is skipped only for an element type or
 * an op that neuron-cc does not support, and each entry says why. Everything else is attempted.
 */

/** Element types (index.json names) neuron-cc does not compute with. */
export const SKIPPED_DTYPES: Readonly<Record<string, string>> = {
  STRING: 'strings are not a tensor type neuron-cc computes with (no text ops in compiled code)',
  COMPLEX64: 'complex tensors are not supported',
  COMPLEX128: 'complex tensors are not supported',
  FLOAT8E4M3FN: 'float8 formats are not supported (BF16/FP16 are the reduced precisions)',
  FLOAT8E4M3FNUZ: 'float8 formats are not supported (BF16/FP16 are the reduced precisions)',
  FLOAT8E5M2: 'float8 formats are not supported (BF16/FP16 are the reduced precisions)',
  FLOAT8E5M2FNUZ: 'float8 formats are not supported (BF16/FP16 are the reduced precisions)',
  FLOAT8E8M0: 'float8 formats are not supported (BF16/FP16 are the reduced precisions)',
  FLOAT4E2M1: '4-bit float is not supported',
  INT4: 'packed 4-bit integers are not supported',
  UINT4: 'packed 4-bit integers are not supported',
  INT2: 'packed 2-bit integers are not supported',
  UINT2: 'packed 2-bit integers are not supported',
};

/** I/O kinds other than plain tensors. */
export const SKIPPED_KINDS: Readonly<Record<string, string>> = {
  sequence: 'sequence values (SequenceProto) are not tensors; neuron-cc compiles tensor programs',
  optional: 'optional values (OptionalProto) are not tensors; neuron-cc compiles tensor programs',
};

/**
 * Host ops: the reference interpreter runs them, compiled code does not. The compiled mode partitions
 * their cases (compiled segments plus the host side); the auto-cast modes compile each case whole, so
 * they skip them.
 */
export const HOST_OPS: Readonly<Record<string, string>> = {
  If: 'control flow runs on the host (the fallback side of a partitioned model)',
  Loop: 'control flow runs on the host (the fallback side of a partitioned model)',
  NonMaxSuppression:
    'its output size depends on the data: it runs on the host (the fallback side of a partitioned model)',
};

/** Ops outside the supported set, with the reason. */
export const SKIPPED_OPS: Readonly<Record<string, string>> = {
  SequenceMap: 'sequence op (sequences are not tensors)',
  // sequences and optionals
  SequenceEmpty: 'sequence op (sequences are not tensors)',
  SequenceConstruct: 'sequence op (sequences are not tensors)',
  SequenceInsert: 'sequence op (sequences are not tensors)',
  SequenceAt: 'sequence op (sequences are not tensors)',
  SequenceErase: 'sequence op (sequences are not tensors)',
  SequenceLength: 'sequence op (sequences are not tensors)',
  SplitToSequence: 'sequence op (sequences are not tensors)',
  ConcatFromSequence: 'sequence op (sequences are not tensors)',
  OptionalHasElement: 'optional op (optionals are not tensors)',
  OptionalGetElement: 'optional op (optionals are not tensors)',
  Optional: 'optional op (optionals are not tensors)',
  // strings and media decoding
  StringNormalizer: 'string op',
  StringConcat: 'string op',
  StringSplit: 'string op',
  RegexFullMatch: 'string op',
  TfIdfVectorizer: 'text feature extraction op',
  ImageDecoder: 'decodes JPEG/PNG bytes; media decoding is outside a tensor compiler',
  // training-only and non-default domains
  'ai.onnx.preview.training::Gradient': 'training op',
  'ai.onnx.preview.training::Momentum': 'training op',
  'ai.onnx.preview.training::Adagrad': 'training op',
  'ai.onnx.preview.training::Adam': 'training op',
  'ai.onnx.ml::LabelEncoder': 'classical-ML domain (ai.onnx.ml) is not supported',
  'ai.onnx.ml::TreeEnsemble': 'classical-ML domain (ai.onnx.ml) is not supported',
  'ai.onnx.ml::ArrayFeatureExtractor': 'classical-ML domain (ai.onnx.ml) is not supported',
  'ai.onnx.ml::Binarizer': 'classical-ML domain (ai.onnx.ml) is not supported',
  'ai.onnx.preview::FlexAttention': 'preview op with a score-modifier subgraph',
};

/** Random generators: outputs are samples, not comparable element by element. */
export const SKIPPED_NONDETERMINISTIC: Readonly<Record<string, string>> = {
  Bernoulli: "random sampling: ONNX expects numpy's generator output, which no other engine reproduces",
  RandomUniformLike: "random sampling: ONNX expects numpy's generator output",
  RandomNormalLike: "random sampling: ONNX expects numpy's generator output",
  RandomUniform: "random sampling: ONNX expects numpy's generator output",
  RandomNormal: "random sampling: ONNX expects numpy's generator output",
  Multinomial: "random sampling: ONNX expects numpy's generator output",
};

/** Single cases whose expected output is a random sample of a supported op's non-inference mode. */
export const SKIPPED_CASES: Readonly<Record<string, string>> = {
  'node/test_scan_sum':
    'opset-8 Scan (a batch axis and sequence_lens before the states) is not supported; Scan from opset 9 on is',
  'node/test_training_dropout': "Dropout in training mode draws a random mask from numpy's generator",
  'node/test_training_dropout_default': "Dropout in training mode draws a random mask from numpy's generator",
  'node/test_training_dropout_default_mask':
    "Dropout in training mode draws a random mask from numpy's generator",
  'node/test_training_dropout_mask': "Dropout in training mode draws a random mask from numpy's generator",
};
