"""Converts a Keras model file (.h5/.hdf5/.keras, saved by legacy Keras 2 or by Keras 3) to a TF.js
LayersModel folder that TF.js can load: `ncap convert keras` runs it with the converter venv's Python.

TF.js 4.22 reads the layer configs of legacy Keras (tf-keras) only. A legacy `.h5` goes to
`tensorflowjs_converter --input_format keras` as it is; a Keras 3 model (a `.keras` archive, or an `.h5` whose
keras_version is 3.x) is loaded with Keras 3, rebuilt in tf-keras from its config (the Keras 3-only fields
translated) with the same weights, checked to compute the same outputs on random input, saved as a legacy
`.h5`, then converted.

Usage: python keras-to-tfjs.py MODEL OUT_DIR   (prints one JSON line on stdout: what it did)
"""

import json
import os
import subprocess
import sys
import tempfile
import zipfile

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def log(message):
    print(f"[ncap convert] {message}", file=sys.stderr, flush=True)


def keras_version_of(path):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("metadata.json")).get("keras_version", "3")
    import h5py

    with h5py.File(path, "r") as f:
        version = f.attrs.get("keras_version")
    return version.decode() if isinstance(version, bytes) else version


LAYER_BASE_ARGS = {"name", "trainable", "dtype", "batch_input_shape", "input_shape", "batch_size", "dynamic"}


def accepted_args(class_name):
    """The config keys the tf-keras layer class takes; None when it is no plain layer (models, unknown)."""
    import inspect

    import tf_keras

    cls = getattr(tf_keras.layers, class_name, None)
    if cls is None or class_name in ("Functional", "Sequential", "Model"):
        return None
    return set(inspect.signature(cls.__init__).parameters) | LAYER_BASE_ARGS


def legacy_config(node):
    """A Keras 3 config as tf-keras reads it: batch_shape → batch_input_shape, dtype policies → their name,
    initializers → zeros (the weights are set afterwards; Keras 3 initializers take arguments tf-keras lacks)."""
    if isinstance(node, list):
        return [legacy_config(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("class_name") in ("DTypePolicy", "FloatDTypePolicy") and "config" in node:
        return node["config"].get("name", "float32")
    out = {}
    if isinstance(node.get("class_name"), str) and isinstance(node.get("config"), dict):
        accepted = accepted_args(node["class_name"])
        if accepted is not None:
            config = {k: v for k, v in legacy_config(node["config"]).items() if k in accepted}
            return {**{k: legacy_config(v) for k, v in node.items() if k != "config"}, "config": config}
    for key, value in node.items():
        if key == "batch_shape":
            out["batch_input_shape"] = value
        elif key in ("optional", "build_config", "compile_config"):
            continue
        elif key.endswith("_initializer") and value is not None:
            out[key] = "zeros"
        else:
            out[key] = legacy_config(value)
    return out


def rebuild_in_legacy_keras(path, h5_out):
    import keras
    import numpy as np
    import tf_keras

    model = keras.saving.load_model(path, compile=False)
    config = legacy_config(json.loads(model.to_json()))
    legacy = tf_keras.models.model_from_json(json.dumps(config))
    legacy.set_weights(model.get_weights())
    shape = [2 if d is None else d for d in model.inputs[0].shape]
    x = np.random.default_rng(0).uniform(0, 1, shape).astype("float32")
    difference = float(np.max(np.abs(np.asarray(model(x)) - np.asarray(legacy(x)))))
    if not difference <= 1e-4:
        raise SystemExit(f"the model rebuilt in legacy Keras computes other outputs (max difference {difference})")
    legacy.save(h5_out)
    return difference


def main():
    model_path, out_dir = sys.argv[1], sys.argv[2]
    version = str(keras_version_of(model_path) or "unknown")
    report = {"input": model_path, "output": out_dir, "kerasVersion": version, "rebuilt": False}
    converter = os.path.join(os.path.dirname(sys.executable), "tensorflowjs_converter")
    with tempfile.TemporaryDirectory() as tmp:
        source = model_path
        if version.startswith("3"):
            log(f"{model_path} was saved by Keras {version}: rebuilding it in legacy Keras (tf-keras)")
            source = os.path.join(tmp, "legacy.h5")
            report["rebuilt"] = True
            report["maxDifference"] = rebuild_in_legacy_keras(model_path, source)
        log("running tensorflowjs_converter --input_format keras")
        subprocess.run([converter, "--input_format", "keras", source, out_dir], check=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
