/**
 * Minimal ONNX protobuf surgery for the zoo build: fix an image input's spatial size (PP-OCR's models
 * declare every image axis dynamic, so ncap could not tell what size to resize to) and expose an inner
 * tensor as a graph output (ncap cuts an ONNX model at one of its outputs). Works on the wire format
 * directly — only the fields it edits are decoded; everything else is copied byte for byte — so the build
 * needs no `onnx` Python package.
 */

/** One protobuf field as it is on the wire: varint (0), 64-bit (1), length-delimited (2) or 32-bit (5). */
interface Field {
  no: number;
  wire: 0 | 1 | 2 | 5;
  /** The varint's value (wire 0). */
  value?: bigint;
  /** The payload (wire 1, 2, 5). */
  bytes?: Uint8Array;
}

function readVarint(buf: Uint8Array, at: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length; i++) {
    const b = buf[i]!;
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
  }
  throw new Error('ONNX protobuf: truncated varint');
}

function writeVarint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return out;
}

/** The top-level fields of one message. */
export function decodeFields(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const key = readVarint(buf, at);
    at = key.next;
    const no = Number(key.value >> 3n);
    const wire = Number(key.value & 7n);
    if (wire === 0) {
      const v = readVarint(buf, at);
      fields.push({ no, wire, value: v.value });
      at = v.next;
    } else if (wire === 2) {
      const len = readVarint(buf, at);
      const end = len.next + Number(len.value);
      if (end > buf.length) throw new Error('ONNX protobuf: field runs past the end of its message');
      fields.push({ no, wire, bytes: buf.subarray(len.next, end) });
      at = end;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      fields.push({ no, wire, bytes: buf.subarray(at, at + size) });
      at += size;
    } else {
      throw new Error(`ONNX protobuf: unsupported wire type ${wire}`);
    }
  }
  return fields;
}

export function encodeFields(fields: readonly Field[]): Uint8Array {
  const parts: number[][] = [];
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (const f of fields) {
    const head = writeVarint((BigInt(f.no) << 3n) | BigInt(f.wire));
    const mid =
      f.wire === 0 ? writeVarint(f.value!) : f.wire === 2 ? writeVarint(BigInt(f.bytes!.length)) : [];
    parts.push([...head, ...mid]);
    chunks.push(f.wire === 0 ? new Uint8Array(0) : f.bytes!);
    size += head.length + mid.length + (f.wire === 0 ? 0 : f.bytes!.length);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const [i, p] of parts.entries()) {
    out.set(p, at);
    at += p.length;
    out.set(chunks[i]!, at);
    at += chunks[i]!.length;
  }
  return out;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();
const str = (no: number, s: string): Field => ({ no, wire: 2, bytes: utf8.encode(s) });
const msg = (no: number, fields: Field[]): Field => ({ no, wire: 2, bytes: encodeFields(fields) });
const int = (no: number, v: number): Field => ({ no, wire: 0, value: BigInt(v) });
const stringOf = (fields: readonly Field[], no: number): string | undefined => {
  const f = fields.find((x) => x.no === no && x.wire === 2);
  return f ? text.decode(f.bytes) : undefined;
};

// Field numbers (onnx.proto): ModelProto.graph 7; GraphProto.node 1, input 11, output 12;
// NodeProto.input 1, output 2, name 3, op_type 4; ValueInfoProto.name 1, type 2;
// TypeProto.tensor_type 1; TypeProto.Tensor.elem_type 1, shape 2; TensorShapeProto.dim 1;
// Dimension.dim_value 1, dim_param 2.
const GRAPH = 7;
const NODE = 1;
const INPUT = 11;
const OUTPUT = 12;
const FLOAT = 1;

/** A tensor type `float[dims]` (a string dim is symbolic; omit `dims` for an unknown shape). */
function floatType(dims?: readonly (number | string)[]): Field {
  const tensor: Field[] = [int(1, FLOAT)];
  if (dims)
    tensor.push(
      msg(
        2,
        dims.map((d) => msg(1, [typeof d === 'number' ? int(1, d) : str(2, d)])),
      ),
    );
  return msg(2, [msg(1, tensor)]);
}

/** A node of the graph: its operator, name, inputs and outputs. */
export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
}

function graphOf(model: Uint8Array): { top: Field[]; graph: Field[] } {
  const top = decodeFields(model);
  const g = top.find((f) => f.no === GRAPH && f.wire === 2);
  if (!g) throw new Error('not an ONNX model: no graph');
  return { top, graph: decodeFields(g.bytes!) };
}

const withGraph = (top: Field[], graph: Field[]): Uint8Array =>
  encodeFields(top.map((f) => (f.no === GRAPH ? msg(GRAPH, graph) : f)));

/** The graph's nodes in file (topological) order. */
export function onnxNodes(model: Uint8Array): OnnxNode[] {
  return graphOf(model)
    .graph.filter((f) => f.no === NODE)
    .map((f) => {
      const n = decodeFields(f.bytes!);
      const all = (no: number) => n.filter((x) => x.no === no).map((x) => text.decode(x.bytes));
      return { opType: stringOf(n, 4) ?? '', name: stringOf(n, 3) ?? '', inputs: all(1), outputs: all(2) };
    });
}

export interface OnnxCutEdit {
  /** The image input's new shape, NCHW, with a symbolic batch: `[channels, height, width]`. */
  inputChw: [number, number, number];
  /** Inner tensor to expose as an extra graph output (float32). */
  exposeOutput: string;
}

/**
 * The model with its (single) image input fixed to `[batch, c, h, w]` and `exposeOutput` added to the graph
 * outputs. Deterministic: the same bytes in give the same bytes out.
 * @throws Error when the model has no such tensor.
 */
export function editOnnxModel(model: Uint8Array, edit: OnnxCutEdit): Uint8Array {
  const { top, graph } = graphOf(model);
  const produced = new Set(onnxNodes(model).flatMap((n) => n.outputs));
  if (!produced.has(edit.exposeOutput))
    throw new Error(`ONNX model has no tensor '${edit.exposeOutput}' produced by a node`);
  const initialisers = new Set(
    graph.filter((f) => f.no === 5).map((f) => stringOf(decodeFields(f.bytes!), 1) ?? ''),
  );
  let fixed = false;
  const edited = graph.map((f) => {
    if (f.no !== INPUT || fixed) return f;
    const name = stringOf(decodeFields(f.bytes!), 1) ?? '';
    if (initialisers.has(name)) return f;
    fixed = true;
    return msg(INPUT, [str(1, name), floatType(['batch', ...edit.inputChw])]);
  });
  const outputs = edited.filter((f) => f.no === OUTPUT).map((f) => stringOf(decodeFields(f.bytes!), 1));
  if (!outputs.includes(edit.exposeOutput))
    edited.push(msg(OUTPUT, [str(1, edit.exposeOutput), floatType()]));
  return withGraph(top, edited);
}

/** Element count of a TensorProto (its `dims`, field 1, packed or not). */
function tensorElements(tensor: Uint8Array): number {
  const dims: number[] = [];
  for (const d of decodeFields(tensor)) {
    if (d.no !== 1) continue;
    if (d.wire === 0) dims.push(Number(d.value));
    else if (d.wire === 2)
      for (let at = 0; at < d.bytes!.length;) {
        const v = readVarint(d.bytes!, at);
        dims.push(Number(v.value));
        at = v.next;
      }
  }
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * Number of weights: the elements of every initializer of the graph and of every `Constant` node's tensor
 * (Paddle2ONNX, which made PP-OCR's models, stores the weights as Constant nodes, not initializers).
 */
export function onnxParameterCount(model: Uint8Array): number {
  let total = 0;
  for (const f of graphOf(model).graph) {
    if (f.wire !== 2) continue;
    if (f.no === 5) total += tensorElements(f.bytes!);
    if (f.no !== NODE) continue;
    const node = decodeFields(f.bytes!);
    if (stringOf(node, 4) !== 'Constant') continue;
    // NodeProto.attribute 5 → AttributeProto.t 5 (a TensorProto).
    for (const attribute of node.filter((x) => x.no === 5 && x.wire === 2)) {
      const t = decodeFields(attribute.bytes!).find((x) => x.no === 5 && x.wire === 2);
      if (t) total += tensorElements(t.bytes!);
    }
  }
  return total;
}
