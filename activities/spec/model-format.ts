/**
 * Model formats told apart by a model URI alone (before anything is read), for checks at spec validation.
 */

/** Whether a model URI names an ONNX file (by its `.onnx` extension, before any query or fragment). */
export const isOnnxUri = (uri: string): boolean => /\.onnx(?:[?#].*)?$/i.test(uri);

/**
 * Why an ONNX candidate cannot run in `finetune` mode, and the fix: the message of the spec error and of
 * the training activity's error.
 */
export const ONNX_FINETUNE_MESSAGE =
  'is an ONNX model: onnxruntime runs inference only, and ncap trains only the probe and head on its frozen features; set mode: frozen';
