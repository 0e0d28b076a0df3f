#!/usr/bin/env python3
"""One network in two formats, for `npm run bench:frozen-extract`: ResNet-18's topology (torchvision's
BasicBlock layout, BatchNorm folded into the convolutions' biases as inference runtimes do) with seeded random
weights, written as

  OUT/resnet18.onnx         exported by PyTorch (NCHW input, dynamic batch), output `features` [n, 512]
  OUT/graph/model.json      a TF.js GraphModel (NHWC input, dynamic batch) with the same weights, written
                            here op by op as tensorflowjs_converter writes a converted ResNet: _FusedConv2D
                            (conv + bias [+ relu]), explicit Pad before the strided convolutions, AddV2, Mean.

usage: /usr/bin/python3 bench/export-resnet18.py OUT [SIZE]   (needs torch: apt-get install python3-torch)
"""
import base64
import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

STAGES = [(64, 1), (128, 2), (256, 2), (512, 2)]


class Conv(nn.Module):
    """A convolution with bias (BatchNorm folded in) and an optional ReLU."""

    def __init__(self, cin, cout, k, stride, pad, relu):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=pad, bias=True)
        nn.init.kaiming_normal_(self.conv.weight, nonlinearity="relu")
        nn.init.uniform_(self.conv.bias, -0.1, 0.1)
        self.relu, self.k, self.stride, self.pad = relu, k, stride, pad

    def forward(self, x):
        y = self.conv(x)
        return torch.relu(y) if self.relu else y


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = Conv(cin, cout, 3, stride, 1, True)
        self.b = Conv(cout, cout, 3, 1, 1, False)
        self.down = Conv(cin, cout, 1, stride, 0, False) if stride != 1 or cin != cout else None

    def forward(self, x):
        return torch.relu(self.b(self.a(x)) + (self.down(x) if self.down else x))


class ResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Conv(3, 64, 7, 2, 3, True)
        blocks, cin = [], 64
        for cout, stride in STAGES:
            blocks += [Block(cin, cout, stride), Block(cout, cout, 1)]
            cin = cout
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x):
        y = nn.functional.max_pool2d(self.stem(x), 3, stride=2, padding=1)
        for block in self.blocks:
            y = block(y)
        return y.mean(dim=(2, 3))


class GraphWriter:
    """Nodes and weights of a TF.js GraphModel (model.json + one weights file)."""

    def __init__(self):
        self.nodes, self.weights, self.data = [], [], []

    @staticmethod
    def s(text):
        return base64.b64encode(text.encode()).decode()

    def const(self, name, array):
        array = np.ascontiguousarray(array)
        dtype = {"float32": ("DT_FLOAT", "float32"), "int32": ("DT_INT32", "int32")}[str(array.dtype)]
        dims = [{"size": str(d)} for d in array.shape]
        self.nodes.append({"name": name, "op": "Const", "attr": {
            "value": {"tensor": {"dtype": dtype[0], "tensorShape": {"dim": dims}}}, "dtype": {"type": dtype[0]}}})
        self.weights.append({"name": name, "shape": list(array.shape), "dtype": dtype[1]})
        self.data.append(array.tobytes())
        return name

    def op(self, name, op, inputs, attr):
        self.nodes.append({"name": name, "op": op, "input": inputs, "attr": {"T": {"type": "DT_FLOAT"}, **attr}})
        return name

    def conv(self, name, x, c: Conv):
        w = c.conv.weight.detach().numpy().transpose(2, 3, 1, 0)  # OIHW -> HWIO
        b = c.conv.bias.detach().numpy()
        padding = "SAME" if c.stride == 1 else "VALID"
        if c.stride != 1 and c.pad:
            p = self.const(f"{name}/paddings", np.array([[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]], np.int32))
            x = self.op(f"{name}/pad", "Pad", [x, p], {"Tpaddings": {"type": "DT_INT32"}})
        fused = ["BiasAdd", "Relu"] if c.relu else ["BiasAdd"]
        return self.op(name, "_FusedConv2D", [x, self.const(f"{name}/kernel", w), self.const(f"{name}/bias", b)], {
            "strides": {"list": {"i": ["1", str(c.stride), str(c.stride), "1"]}},
            "padding": {"s": self.s(padding)},
            "data_format": {"s": self.s("NHWC")},
            "dilations": {"list": {"i": ["1", "1", "1", "1"]}},
            "fused_ops": {"list": {"s": [self.s(o) for o in fused]}},
            "num_args": {"i": "1"},
            "epsilon": {"f": 0},
        })

    def model_json(self):
        return {"format": "graph-model", "generatedBy": "bench/export-resnet18.py",
                "convertedBy": None, "modelTopology": {"node": self.nodes, "library": {}, "versions": {"producer": 1}},
                "weightsManifest": [{"paths": ["weights.bin"], "weights": self.weights}]}


def write_graph(net: ResNet18, out: Path, size: int) -> None:
    g = GraphWriter()
    g.nodes.append({"name": "image", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"}, "shape": {
        "shape": {"dim": [{"size": "-1"}, {"size": str(size)}, {"size": str(size)}, {"size": "3"}]}}}})
    y = g.conv("stem", "image", net.stem)
    p = g.const("pool/paddings", np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32))
    y = g.op("pool/pad", "Pad", [y, p], {"Tpaddings": {"type": "DT_INT32"}})  # zeros: the input is post-ReLU
    y = g.op("pool", "MaxPool", [y], {"ksize": {"list": {"i": ["1", "3", "3", "1"]}},
                                       "strides": {"list": {"i": ["1", "2", "2", "1"]}},
                                       "padding": {"s": g.s("VALID")}, "data_format": {"s": g.s("NHWC")}})
    for i, block in enumerate(net.blocks):
        a = g.conv(f"block{i}/a", y, block.a)
        b = g.conv(f"block{i}/b", a, block.b)
        shortcut = g.conv(f"block{i}/down", y, block.down) if block.down else y
        y = g.op(f"block{i}/relu", "Relu", [g.op(f"block{i}/add", "AddV2", [b, shortcut], {})], {})
    axes = g.const("features/axes", np.array([1, 2], np.int32))
    y = g.op("features/mean", "Mean", [y, axes], {"keep_dims": {"b": False}, "Tidx": {"type": "DT_INT32"}})
    g.op("features", "Identity", [y], {})
    (out / "graph").mkdir(parents=True, exist_ok=True)
    (out / "graph" / "model.json").write_text(json.dumps(g.model_json()))
    (out / "graph" / "weights.bin").write_bytes(b"".join(g.data))


def main() -> None:
    out, size = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 96
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(18)
    net = ResNet18().eval()
    torch.onnx.export(net, torch.zeros(2, 3, size, size), out / "resnet18.onnx", input_names=["image"],
                      output_names=["features"], dynamic_axes={"image": {0: "batch"}, "features": {0: "batch"}},
                      opset_version=13)
    write_graph(net, out, size)
    print(json.dumps({"torch": torch.__version__, "size": size, "parameters": sum(p.numel() for p in net.parameters())}))


if __name__ == "__main__":
    main()
