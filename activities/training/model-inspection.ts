/**
 * What `ncap model inspect` reports about a zoo model, whatever its format: a describer per format
 * (TF.js LayersModel and GraphModel in `inspect-tfjs-model.ts`; ONNX fills the same type) and one printer.
 */
import { INPUT_LAYOUTS } from './input-layout.js';
import type { FeaturePooling } from './types.js';

/** How an input's axes are laid out: an {@link INPUT_LAYOUTS} value, or `other` for what ncap cannot feed. */
export const TENSOR_LAYOUTS = [...INPUT_LAYOUTS, 'other'] as const;
export type TensorLayout = (typeof TENSOR_LAYOUTS)[number];

/** A dimension: a size, or `null` when free (dynamic batch, any image size). */
export type Dimension = number | null;

export interface InspectedTensor {
  name: string;
  /** Batch axis included. */
  shape: Dimension[];
  /** `float32`, `int32`, `uint8`… as the model declares it. */
  dtype: string;
}

export interface InspectedInput extends InspectedTensor {
  layout: TensorLayout;
}

/** A layer (LayersModel) or node (GraphModel, ONNX). */
export interface InspectedLayer {
  name: string;
  /** Layer class (`Conv2D`) or op (`Conv2D`, `Relu6`). */
  kind: string;
  /** Batch axis included; `null` when the format does not say (GraphModel inner nodes, ONNX). */
  outputShape: Dimension[] | null;
  /** Weights held by this layer or constant node; `null` when unknown. */
  params: number | null;
}

/** Where the probe attaches when the spec names no `featureLayer`, and why; or why it cannot. */
export type InspectedCut =
  | {
      layer: string;
      reason: string;
      /** The cut layer's output, batch axis included; `null` when unknown before running. */
      outputShape: Dimension[] | null;
      /** The pooling `featurePooling: 'auto'` (the default) applies. */
      pooling: FeaturePooling;
      /** Probe input width; `null` when unknown before running. */
      featureDim: number | null;
    }
  | { error: string };

export interface ModelInspection {
  uri: string;
  format: 'layers-model' | 'graph-model' | 'onnx';
  inputs: InspectedInput[];
  outputs: InspectedTensor[];
  /** In model order; empty where the format exposes no inner layers (ONNX through onnxruntime). */
  layers: InspectedLayer[];
  /** Sum of the weights' sizes; `null` when unknown. */
  totalParams: number | null;
  cut: InspectedCut;
}

const IMAGE_CHANNELS = new Set([1, 3, 4]);

/**
 * The layout of an input shape (batch axis included): 4-D with 1, 3 or 4 channels last is NHWC, with them
 * second is NCHW (channels last wins a tie, as TF.js models are).
 */
export function tensorLayout(shape: readonly Dimension[]): TensorLayout {
  if (shape.length === 2) return 'vector';
  if (shape.length !== 4) return 'other';
  if (shape[3] !== null && IMAGE_CHANNELS.has(shape[3]!)) return 'NHWC';
  if (shape[1] !== null && IMAGE_CHANNELS.has(shape[1]!)) return 'NCHW';
  return 'other';
}

const dims = (shape: readonly Dimension[] | null): string =>
  shape === null ? '?' : `[${shape.map((d) => d ?? '?').join(', ')}]`;

/** The inspection as text: inputs, outputs, a table of layers, the automatic cut. */
export function formatInspection(inspection: ModelInspection): string {
  const lines = [`${inspection.uri}  (${inspection.format})`, ''];
  for (const i of inspection.inputs)
    lines.push(`input   ${i.name}  ${dims(i.shape)}  ${i.layout}  ${i.dtype}`);
  for (const o of inspection.outputs) lines.push(`output  ${o.name}  ${dims(o.shape)}  ${o.dtype}`);
  if (inspection.layers.length > 0) {
    const rows = inspection.layers.map((l) => [
      l.name,
      l.kind,
      dims(l.outputShape),
      l.params === null ? '' : String(l.params),
    ]);
    const header = ['layer', 'kind', 'output shape', 'params'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const row = (cells: string[]) =>
      cells
        .map((cell, c) => (c === 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd();
    lines.push('', row(header), row(widths.map((w) => '-'.repeat(w))), ...rows.map(row));
  }
  if (inspection.totalParams !== null) lines.push('', `parameters: ${inspection.totalParams}`);
  const cut = inspection.cut;
  lines.push(
    '',
    'error' in cut
      ? `automatic cut: none (${cut.error})`
      : `automatic cut: ${cut.layer} ${dims(cut.outputShape)}` +
          `${cut.pooling !== 'none' ? `, ${cut.pooling}-pooled` : ''}` +
          `${cut.featureDim !== null ? ` → ${cut.featureDim} features` : ''}\n  because: ${cut.reason}`,
  );
  return lines.join('\n');
}
