"""int8 inference of AdaIN's VGG encoder and decoder: static per-channel weights, calibrated activations.

``precision="int8"`` (see :mod:`stylesynth.inference.runtime`) runs every 3x3 conv of the encoder
and of the decoder, but the decoder's last (64 -> 3, the image itself), as a quantized conv of
torch's x86 engine (oneDNN / fbgemm, VNNI dot products): weights int8, symmetric per output
channel; activations uint8 per tensor with ranges calibrated beforehand; the ReLU after a conv is
fused into it. Between the convs the activations stay quantized: reflection padding (inside the
quantized conv), 2x2 max pooling and nearest upsampling run on the uint8 tensors. They are turned
back into float32 where float work follows: the encoder's outputs (AdaIN's statistics and the
blend with ``alpha`` stay float32, as the masks' region statistics), the decoder's activations
where a multi-level decoder adds its skips, and before the last conv, which stays float32.

The pieces are the public modules of ``torch.ao.nn.quantized`` / ``torch.ao.nn.intrinsic.quantized``
and the observers of ``torch.ao.quantization.observer``, put together here; the eager and FX
``prepare`` / ``convert`` workflows are deprecated in torch 2.14, so they are not used.

Activation ranges come from running the float32 network on a calibration set, pairs of content
and style images through the whole AdaIN pipeline (so the decoder sees AdaIN-aligned features):
:data:`CALIBRATION_SET`, 128x128 crops of the example photos and styles of ``examples/`` (JPEG
bytes in a safetensors file, 60 kB). The ranges of a bundled checkpoint may be stored beside its
weights (:data:`RANGES_NAME`, written by ``python -m stylesynth.inference.int8 NAME`` once its int8
error is measured within bounds; the bundled ``adain-default`` has none)
with a fingerprint of the weights they were measured with, so loading it in int8 does no
calibration work; any other AdaIN network is calibrated on the same set when it is loaded with
``precision="int8"`` (a few seconds), and ``precision="auto"`` picks int8 only for networks with
stored ranges.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import Tensor, nn
from torch.ao.nn.intrinsic.quantized import ConvReLU2d as QuantizedConvReLU2d
from torch.ao.nn.quantized import Conv2d as QuantizedConv2d
from torch.ao.quantization.observer import MinMaxObserver, PerChannelMinMaxObserver

from ..io.atomic import atomic_output
from ..io.checkpoints import BUNDLED_ROOT, CONFIG_NAME
from ..nets import AdaINNetwork
from ..nets.adain_decoder import UPSAMPLED_LEVEL
from ..nets.adain_multilevel import MultiLevelAdaINDecoder

__all__ = [
    "CALIBRATION_SET",
    "ENGINES",
    "RANGES_NAME",
    "Calibration",
    "calibrate",
    "equalization_pairs",
    "check_int8_device",
    "int8_engine",
    "load_stored_ranges",
    "quantize_adain",
    "quantize_for_inference",
    "read_calibration_set",
    "supports_int8",
    "weights_fingerprint",
    "write_ranges",
]

# torch 2.14 marks its quantized tensor constructors deprecated (they are public and the only way to
# feed its quantized convs); the warning says nothing a user of this module can act on
warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor, torch\.quantize_per_channel", category=UserWarning)

#: torch's quantized CPU engines this path runs on, in order of preference
ENGINES = ("x86", "onednn", "fbgemm")
#: the file beside a checkpoint's weights that holds its int8 activation ranges
RANGES_NAME = "int8-ranges.json"
#: the calibration images: JPEG bytes of 128x128 crops of ``examples/content`` and ``examples/styles``
CALIBRATION_SET = BUNDLED_ROOT / "adain-default" / "int8-calibration.safetensors"
#: the side of the calibration crops
CALIBRATION_SIDE = 128
#: format version of :data:`RANGES_NAME`
_RANGES_VERSION = 1


# ---- device and engine ------------------------------------------------------------------------


def int8_engine() -> str | None:
    """The quantized engine this build of torch offers for x86 int8 convs (``x86``, ``onednn``, ``fbgemm``), or ``None``."""
    supported = torch.backends.quantized.supported_engines
    return next((engine for engine in ENGINES if engine in supported), None)


def check_int8_device(device: torch.device) -> None:
    """Raises a one-line ``ValueError`` where ``precision="int8"`` cannot run (not a CPU, or no x86 quantized engine)."""
    if device.type != "cpu":
        raise ValueError(
            f"precision='int8' runs on the CPU only (torch's quantized convs have no {device.type} kernels); "
            f"on {device} use precision 'auto', 'fp32' or 'bf16'"
        )
    if int8_engine() is None:
        raise ValueError(
            f"precision='int8' needs one of torch's x86 quantized engines ({', '.join(ENGINES)}); this torch offers "
            f"{', '.join(torch.backends.quantized.supported_engines) or 'none'}: use precision 'auto', 'fp32' or 'bf16'"
        )


def supports_int8(module: nn.Module) -> bool:
    """Whether ``module`` has an int8 path: AdaIN networks (any number of levels)."""
    return isinstance(module, AdaINNetwork)


# ---- the quantized modules ---------------------------------------------------------------------


class Int8Conv2d(nn.Module):
    """A float conv (and the ReLU after it) as a quantized conv: per-channel int8 weights, uint8 activations.

    A float input is quantized with the calibrated ``input_qparams`` first; an input that is
    already quantized (the previous conv's output, pooled or upsampled) goes in as it is. The
    output is quantized with ``output_qparams``, or turned back into float32 when ``float_output``.
    """

    def __init__(
        self,
        conv: nn.Conv2d,
        relu: bool,
        input_qparams: tuple[float, int],
        output_qparams: tuple[float, int],
        float_output: bool,
    ) -> None:
        super().__init__()
        observer = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
        weight = conv.weight.detach().float().cpu()
        observer(weight)
        scales, zero_points = observer.calculate_qparams()
        quantized_weight = torch.quantize_per_channel(weight, scales.double(), zero_points.long(), 0, torch.qint8)
        kind = QuantizedConvReLU2d if relu else QuantizedConv2d
        self.conv = kind(
            conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.dilation, conv.groups,
            bias=conv.bias is not None, padding_mode=conv.padding_mode,
        )  # fmt: skip
        bias = None if conv.bias is None else conv.bias.detach().float().cpu()
        self.conv.set_weight_bias(quantized_weight, bias)
        self.conv.scale, self.conv.zero_point = float(output_qparams[0]), int(output_qparams[1])
        self.input_scale, self.input_zero_point = float(input_qparams[0]), int(input_qparams[1])
        self.float_output = float_output

    def forward(self, x: Tensor) -> Tensor:
        if not x.is_quantized:
            x = torch.quantize_per_tensor(x.float(), self.input_scale, self.input_zero_point, torch.quint8)
        y = self.conv(x)
        return y.dequantize() if self.float_output else y

    def extra_repr(self) -> str:
        return f"input=({self.input_scale:.4g}, {self.input_zero_point}), float_output={self.float_output}"


class DequantizedConv2d(nn.Module):
    """A float32 conv that takes quantized or float input (the decoder's last conv: the image itself)."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        self.conv = conv

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x.dequantize() if x.is_quantized else x)


# ---- which convs, and where activations must be float -------------------------------------------


def _conv_plan(network: AdaINNetwork) -> dict[str, tuple[nn.Conv2d, bool, bool]]:
    """Every conv of the encoder and decoder by module path -> (conv, ReLU follows, float output needed)."""
    plan: dict[str, tuple[nn.Conv2d, bool, bool]] = {}
    levels = set(network.levels)
    encoder_names = list(network.encoder.convs)
    for name in encoder_names:
        conv = network.encoder.convs[name]
        assert isinstance(conv, nn.Conv2d)
        level = "relu" + name[len("conv") :]
        plan[f"encoder.convs.{name}"] = (conv, True, level in levels or name == encoder_names[-1])
    decoder = network.decoder
    skips = set(decoder.skips) if isinstance(decoder, MultiLevelAdaINDecoder) else set()
    decoder_names = list(decoder.convs)
    for name in decoder_names:
        conv = decoder.convs[name]
        assert isinstance(conv, nn.Conv2d)
        last = name == decoder_names[-1]
        plan[f"decoder.convs.{name}"] = (conv, not last, last or UPSAMPLED_LEVEL.get(name) in skips)
    return plan


def _last_decoder_conv(network: AdaINNetwork) -> str:
    return f"decoder.convs.{list(network.decoder.convs)[-1]}"


# ---- calibration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """Activation ranges: per conv path, ``(input scale, input zero point, output scale, output zero point)``.

    ``fingerprint`` is :func:`weights_fingerprint` of the network they were measured on; ``source``
    says on what.
    """

    fingerprint: str
    qparams: Mapping[str, tuple[float, int, float, int]]
    source: str
    #: per conv path, the factors its output channels are divided by (cross-layer equalization, :func:`equalization_pairs`)
    scales: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": _RANGES_VERSION,
            "fingerprint": self.fingerprint,
            "source": self.source,
            "activation_dtype": "quint8",
            "weights": "qint8, symmetric per output channel",
            "convs": {path: {"input": [q[0], q[1]], "output": [q[2], q[3]]} for path, q in self.qparams.items()},
            "equalization": {path: list(values) for path, values in self.scales.items()},
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> Calibration:
        """The ranges of a :data:`RANGES_NAME` file's content; a malformed file is a ``ValueError`` naming it."""
        try:
            if data["version"] != _RANGES_VERSION:
                raise ValueError(f"version {data['version']!r}, expected {_RANGES_VERSION}")
            qparams = {
                str(path): (float(entry["input"][0]), int(entry["input"][1]), float(entry["output"][0]), int(entry["output"][1]))
                for path, entry in data["convs"].items()
            }
            if any(not (q[0] > 0 and q[2] > 0 and 0 <= q[1] <= 255 and 0 <= q[3] <= 255) for q in qparams.values()):
                raise ValueError("a scale is not positive or a zero point is outside 0-255")
            scales = {str(path): tuple(float(v) for v in values) for path, values in data["equalization"].items()}
            if any(not all(v > 0 for v in values) for values in scales.values()):
                raise ValueError("an equalization factor is not positive")
            return cls(str(data["fingerprint"]), qparams, str(data.get("source", "")), scales)
        except (KeyError, TypeError, IndexError, ValueError) as error:
            raise ValueError(f"{where}: not an int8 ranges file of stylesynth ({error}); rewrite it with python -m stylesynth.inference.int8") from None


def weights_fingerprint(network: nn.Module) -> str:
    """SHA-256 over the network's state dict (names, dtypes, shapes and float32 bytes): which weights ranges belong to."""
    digest = hashlib.sha256()
    for key, value in network.state_dict().items():
        tensor = value.detach().to("cpu", torch.float32).contiguous()
        digest.update(f"{key}:{tuple(tensor.shape)};".encode())
        digest.update(tensor.numpy().tobytes())
    return digest.hexdigest()


def read_calibration_set(path: str | os.PathLike = CALIBRATION_SET) -> tuple[list[Tensor], list[Tensor]]:
    """The calibration images as float ``(1, 3, H, W)`` batches in [0, 1]: (contents, styles)."""
    from torchvision.io import decode_jpeg

    tensors = load_file(str(path))
    contents: list[Tensor] = []
    styles: list[Tensor] = []
    for key in sorted(tensors):
        image = decode_jpeg(tensors[key]).float().div(255.0)[None]
        (contents if key.startswith("content.") else styles).append(image)
    if not contents or not styles:
        raise ValueError(f"{path}: expected content.* and style.* JPEG images, got keys {', '.join(sorted(tensors)) or 'none'}")
    return contents, styles


def write_calibration_set(examples: Path, out: Path = CALIBRATION_SET, side: int = CALIBRATION_SIDE) -> None:
    """Writes :data:`CALIBRATION_SET`: every ``examples/content`` and ``examples/styles`` JPEG, shorter side ``side``, centre crop, JPEG quality 90."""
    from torchvision.io import ImageReadMode, decode_image, encode_jpeg
    from torchvision.transforms.v2 import functional as TF

    tensors = {}
    for folder, prefix in (("content", "content"), ("styles", "style")):
        for path in sorted((examples / folder).glob("*.jpg")):
            image = decode_image(str(path), mode=ImageReadMode.RGB)
            image = TF.center_crop(TF.resize(image, side, antialias=True), [side, side])
            tensors[f"{prefix}.{path.stem}"] = encode_jpeg(image, quality=90)
    if not tensors:
        raise ValueError(f"{examples}: no content/*.jpg or styles/*.jpg to make the calibration set from")
    with atomic_output(out) as temporary:
        save_file(tensors, str(temporary), metadata={"source": f"{side}x{side} centre crops of examples/content and examples/styles (examples/README.md)"})


class _Observers:
    """Min/max observers on every planned conv's input and (post-ReLU) output, and per-channel output maxima, through forward hooks.

    Min/max rather than histogram ranges: on the example pairs clipping the rare large activations
    cost more than the coarser steps (measured: ranges x 0.7 tripled the error, x 1.4 added a third).
    """

    def __init__(self, network: AdaINNetwork) -> None:
        self.plan = _conv_plan(network)
        self.inputs = {path: MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine) for path in self.plan}
        self.outputs = {path: MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine) for path in self.plan}
        self.channel_max: dict[str, Tensor] = {}
        self.handles = [conv.register_forward_hook(self._hook(path)) for path, (conv, _, _) in self.plan.items()]

    def _hook(self, path: str) -> Any:
        relu = self.plan[path][1]

        def hook(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            activation = torch.relu(output.detach().float()) if relu else output.detach().float()
            self.inputs[path](inputs[0].detach().float())
            self.outputs[path](activation)
            peak = activation.abs().amax(dim=(0, 2, 3))
            self.channel_max[path] = torch.maximum(self.channel_max[path], peak) if path in self.channel_max else peak

        return hook

    def qparams(self) -> dict[str, tuple[float, int, float, int]]:
        result = {}
        for path in self.plan:
            in_scale, in_zero = self.inputs[path].calculate_qparams()
            out_scale, out_zero = self.outputs[path].calculate_qparams()
            result[path] = (float(in_scale), int(in_zero), float(out_scale), int(out_zero))
        return result

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def equalization_pairs(network: AdaINNetwork) -> list[tuple[str, str]]:
    """Consecutive convs ``(a, b)`` whose activations between them are int8 and go nowhere else.

    There, ``a``'s output channel ``c`` can be divided by ``s_c`` and ``b``'s input channel ``c``
    multiplied by it without changing the float network (ReLU, max pooling, nearest upsampling and
    reflection padding commute with a positive per-channel factor): cross-layer equalization
    (Nagel et al. 2019) so that one per-tensor uint8 range fits every channel better.
    """
    plan = _conv_plan(network)
    pairs = []
    for part in ("encoder.", "decoder."):
        paths = [path for path in plan if path.startswith(part)]
        pairs += [(a, b) for a, b in zip(paths, paths[1:]) if not plan[a][2]]
    return pairs


def _equalization_scales(network: AdaINNetwork, channel_max: Mapping[str, Tensor], strength: float = 0.5) -> dict[str, tuple[float, ...]]:
    """``s_c = a_c^strength / w_c^(1 - strength)``: ``a_c`` the activation's channel maximum, ``w_c`` the next conv's largest weight on it (SmoothQuant's balance)."""
    plan = _conv_plan(network)
    scales = {}
    for a, b in equalization_pairs(network):
        activation = channel_max[a].clamp_min(1e-6)
        weight = plan[b][0].weight.detach().float().abs().amax(dim=(0, 2, 3)).clamp_min(1e-6)
        factor = activation.pow(strength) / weight.pow(1.0 - strength)
        factor = factor / factor.median()  # keeps the overall scale of the activations
        scales[a] = tuple(float(v) for v in factor.clamp(1e-3, 1e3))
    return scales


def _equalize(network: AdaINNetwork, scales: Mapping[str, Sequence[float]]) -> None:
    """Applies :func:`_equalization_scales`'s factors to ``network``'s weights in place (the float function is unchanged)."""
    plan = _conv_plan(network)
    following = dict(equalization_pairs(network))
    with torch.no_grad():
        for a, values in scales.items():
            if a not in following:
                raise ValueError(f"int8 ranges: {a} has no following int8 conv to equalize with; recalibrate")
            factor = torch.tensor(values, dtype=torch.float32)
            conv_a, conv_b = plan[a][0], plan[following[a]][0]
            conv_a.weight.div_(factor.view(-1, 1, 1, 1))
            if conv_a.bias is not None:
                conv_a.bias.div_(factor)
            conv_b.weight.mul_(factor.view(1, -1, 1, 1))


def _run_pairs(network: AdaINNetwork, contents: Sequence[Tensor], styles: Sequence[Tensor]) -> _Observers:
    from .style_models.adain import AdaINStyle

    model = AdaINStyle(network)
    observers = _Observers(network)
    try:
        with torch.inference_mode():
            codes = [model.image_code(style) for style in styles]
            for content in contents:
                for code in codes:
                    model.render(content, [code], [1.0], None, 1.0)
                model.render(content, [codes[0]], [1.0], None, 0.0)
    finally:
        observers.remove()
    return observers


def calibrate(network: AdaINNetwork, contents: Sequence[Tensor] | None = None, styles: Sequence[Tensor] | None = None, source: str = "") -> Calibration:
    """Equalization factors and activation ranges of ``network`` (float32, CPU) on every content x style pair, through AdaIN's pipeline.

    Defaults: the shipped :data:`CALIBRATION_SET`. Each pair is rendered at ``alpha`` 1 (the
    decoder's input is the AdaIN-aligned features) and each content alone at ``alpha`` 0; a first
    pass measures the per-channel maxima for :func:`equalization_pairs`, a second the ranges of the
    equalized network.
    """
    if contents is None or styles is None:
        contents, styles = read_calibration_set()
        source = source or f"{CALIBRATION_SET.name}: {len(contents)} contents x {len(styles)} styles, {CALIBRATION_SIDE}x{CALIBRATION_SIDE}"
    float_network = copy.deepcopy(network).float().cpu().eval().requires_grad_(False)
    scales = _equalization_scales(float_network, _run_pairs(float_network, contents, styles).channel_max)
    _equalize(float_network, scales)
    observers = _run_pairs(float_network, contents, styles)
    return Calibration(weights_fingerprint(network), observers.qparams(), source or "given images", scales)


def write_ranges(folder: str | os.PathLike, network: AdaINNetwork, calibration: Calibration | None = None) -> Path:
    """Writes :data:`RANGES_NAME` into checkpoint ``folder`` (calibrating on the shipped set when ``calibration`` is not given)."""
    calibration = calibration or calibrate(network)
    path = Path(folder) / RANGES_NAME
    with atomic_output(path) as temporary:
        temporary.write_text(json.dumps(calibration.to_json(), indent=1) + "\n")
    return path


def _bundled_ranges_files() -> Iterator[Path]:
    for folder in sorted(BUNDLED_ROOT.iterdir()) if BUNDLED_ROOT.is_dir() else []:
        path = folder / RANGES_NAME
        if (folder / CONFIG_NAME).is_file() and path.is_file():
            yield path


def load_stored_ranges(network: nn.Module, fingerprint: str | None = None) -> Calibration | None:
    """The stored ranges of a bundled checkpoint whose weights are ``network``'s (by fingerprint), or ``None``."""
    if not supports_int8(network):
        return None
    fingerprint = fingerprint or weights_fingerprint(network)
    for path in _bundled_ranges_files():
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise ValueError(f"{path}: unreadable int8 ranges ({error}); rewrite it with python -m stylesynth.inference.int8") from None
        if isinstance(data, dict) and data.get("fingerprint") == fingerprint:
            return Calibration.from_json(data, str(path))
    return None


# ---- quantization ---------------------------------------------------------------------------------


def _set_module(root: nn.Module, path: str, module: nn.Module) -> None:
    parent_path, _, name = path.rpartition(".")
    parent = root.get_submodule(parent_path)
    if isinstance(parent, nn.ModuleDict):
        parent[name] = module
    else:
        setattr(parent, name, module)


def quantize_adain(network: AdaINNetwork, calibration: Calibration, float_convs: Sequence[str] = ()) -> AdaINNetwork:
    """A copy of ``network`` whose encoder and decoder convs run in int8 with ``calibration``'s ranges (CPU, float32 elsewhere).

    The ranges must have been measured on these weights (same :func:`weights_fingerprint`), else a ``ValueError``.
    """
    check_int8_device(torch.device("cpu"))
    engine = int8_engine()
    assert engine is not None
    fingerprint = weights_fingerprint(network)
    if calibration.fingerprint != fingerprint:
        raise ValueError(f"int8 ranges ({calibration.source}) were measured on other weights (fingerprint {calibration.fingerprint[:12]}, these are {fingerprint[:12]}); recalibrate")
    quantized = copy.deepcopy(network).float().cpu().eval().requires_grad_(False)
    _equalize(quantized, calibration.scales)
    plan = _conv_plan(quantized)
    missing = [path for path in plan if path not in calibration.qparams]
    if missing:
        raise ValueError(f"int8 ranges ({calibration.source}) have no entry for {', '.join(missing[:3])}; recalibrate")
    last = _last_decoder_conv(quantized)
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = engine  # weights are prepacked for the engine set now
    try:
        for path, (conv, relu, float_output) in plan.items():
            if path == last or path in float_convs:
                _set_module(quantized, path, DequantizedConv2d(conv))
                continue
            q = calibration.qparams[path]
            _set_module(quantized, path, Int8Conv2d(conv, relu, (q[0], q[1]), (q[2], q[3]), float_output))
    finally:
        torch.backends.quantized.engine = previous
    return quantized


def quantize_for_inference(module: nn.Module, calibrate_if_missing: bool = True) -> nn.Module | None:
    """The int8 form of a float32 CPU ``module`` for :class:`~stylesynth.inference.runtime.InferenceRuntime`.

    Uses the stored ranges of its weights where a bundled checkpoint has them; otherwise calibrates
    on the shipped set when ``calibrate_if_missing``, else returns ``None`` (``precision="auto"``
    then stays float32). A module without an int8 path is a ``ValueError``.
    """
    if not supports_int8(module):
        raise ValueError(
            f"precision='int8' is available for AdaIN networks only, not a {type(module).__name__} "
            f"({getattr(module, 'KIND', 'unknown kind')!r}); use precision 'auto', 'fp32' or 'bf16'"
        )
    assert isinstance(module, AdaINNetwork)
    fingerprint = weights_fingerprint(module)
    calibration = load_stored_ranges(module, fingerprint)
    if calibration is None:
        if not calibrate_if_missing:
            return None
        calibration = calibrate(module)
    return quantize_adain(module, calibration)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m stylesynth.inference.int8 [CHECKPOINT ...]``: stores int8 ranges beside bundled checkpoints' weights."""
    from .checkpoints import load_network

    parser = argparse.ArgumentParser(description="Write int8 activation ranges (int8-ranges.json) into AdaIN checkpoint folders.")
    parser.add_argument("checkpoints", nargs="*", default=["adain-default"], help="bundled names or checkpoint folders (default adain-default)")
    parser.add_argument("--calibration-set", type=Path, default=None, help="first rewrite the calibration set from this examples/ folder")
    args = parser.parse_args(argv)
    if args.calibration_set is not None:
        write_calibration_set(args.calibration_set)
        print(f"wrote {CALIBRATION_SET}")
    from ..io.checkpoints import resolve_checkpoint

    for source in args.checkpoints:
        folder = resolve_checkpoint(source, AdaINNetwork.KIND)
        if folder.is_file():
            folder = folder.parent
        network = load_network(folder, AdaINNetwork.KIND)
        assert isinstance(network, AdaINNetwork)
        print(f"wrote {write_ranges(folder, network)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
