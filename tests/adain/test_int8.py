"""``precision="int8"``: the quantized AdaIN path against float32, its ranges files and where it is refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch

from stylesynth.inference import Stylizer, runtime
from stylesynth.inference import int8 as int8_module
from stylesynth.inference.int8 import (
    RANGES_NAME,
    Calibration,
    calibrate,
    equalization_pairs,
    int8_engine,
    quantize_adain,
    read_calibration_set,
    weights_fingerprint,
    write_ranges,
)
from stylesynth.io import load_image, pil_to_tensor
from stylesynth.nets import AdaINNetwork, VGGEncoder
from stylesynth.nets.adain_multilevel import MultiLevelAdaINDecoder

from .conftest import make_network

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = pytest.mark.skipif(int8_engine() is None, reason="this torch has no x86 quantized engine")


def small_pairs(seed: int = 0, side: int = 48, count: int = 2) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    generator = torch.Generator().manual_seed(seed)
    images = [torch.rand(1, 3, side, side, generator=generator) for _ in range(2 * count)]
    return images[:count], images[count:]


def test_equalization_keeps_the_float_function() -> None:
    """Cross-layer equalization divides a conv's output channels and multiplies the next conv's inputs: same network, in float64."""
    network = make_network(seed=3)
    contents, styles = small_pairs()
    calibration = calibrate(network, contents, styles)
    assert calibration.scales and set(calibration.scales) == {a for a, _ in equalization_pairs(network)}
    assert any(abs(v - 1.0) > 1e-3 for values in calibration.scales.values() for v in values)
    reference = copy.deepcopy(network).double().eval()
    equalized = copy.deepcopy(network).double().eval()
    int8_module._equalize(equalized, calibration.scales)
    x = torch.rand(1, 3, 32, 32, dtype=torch.float64)
    with torch.no_grad():
        a, b = reference.encoder(x), equalized.encoder(x)
        assert len(a) == len(b) == 4
        # the levels AdaIN reads are unchanged (the others, which only feed the next conv, are rescaled)
        assert list(network.levels) == ["relu4_1"]
        torch.testing.assert_close(b[-1], a[-1], rtol=1e-9, atol=1e-9)
        torch.testing.assert_close(equalized.decoder(a[-1]), reference.decoder(a[-1]), rtol=1e-9, atol=1e-9)


def _stylize_examples(precision: str, side: int = 256) -> torch.Tensor:
    stylizer = Stylizer.from_pretrained("adain-default", device="cpu", precision=precision)
    outputs = []
    for content_path in sorted((EXAMPLES / "content").glob("*.jpg"))[:3]:
        content = pil_to_tensor(load_image(content_path))
        content = torch.nn.functional.interpolate(content[None], size=(side, side), mode="bilinear", antialias=True)
        for style_path in sorted((EXAMPLES / "styles").glob("*.jpg"))[:2]:
            style = pil_to_tensor(load_image(style_path))
            outputs.append(stylizer.stylize(content, style[None]))
    assert stylizer.precision == precision
    return torch.cat(outputs)


def test_bundled_weights_in_int8_stay_within_two_levels_of_float32_at_256_pixels() -> None:
    """Real weights, real photos at 256 pixels: the mean error of the saved 8-bit images is at most 2 levels.

    At 512 pixels over all example pairs it is larger (bench/results/adain-cpu-vnni.md), which is why
    the bundled weights ship no stored ranges and ``auto`` does not pick int8 for them."""
    exact = _stylize_examples("fp32").mul(255).round()
    quantized = _stylize_examples("int8").mul(255).round()
    difference = (quantized - exact).abs()
    assert difference.mean().item() <= 2.0, f"mean {difference.mean().item():.2f} levels, max {difference.max().item():.0f}"
    assert (quantized - exact).mean().abs().item() < 1.0  # no drift of the overall brightness


def test_multilevel_decoder_runs_in_int8_close_to_float32() -> None:
    torch.manual_seed(0)
    decoder = MultiLevelAdaINDecoder(skips=("relu1_1", "relu2_1", "relu3_1"))
    for skip in decoder.skip_convs.values():
        torch.nn.init.normal_(skip.weight, std=0.05)
    network = AdaINNetwork(VGGEncoder.random(1), decoder)
    contents, styles = small_pairs(seed=1)
    quantized = quantize_adain(network, calibrate(network, contents, styles))
    from stylesynth.inference.style_models.adain import AdaINStyle

    with torch.inference_mode():
        exact_model, int8_model = AdaINStyle(network.eval()), AdaINStyle(quantized)
        expected = exact_model.render(contents[0], [exact_model.image_code(styles[0])], [1.0], None, 1.0)
        got = int8_model.render(contents[0], [int8_model.image_code(styles[0])], [1.0], None, 1.0)
    assert got.dtype == torch.float32 and got.shape == expected.shape
    scale = expected.abs().mean()
    assert (got - expected).abs().mean() < 0.1 * scale


def test_ranges_file_round_trip_and_refusals(tmp_path: Path) -> None:
    network = make_network(seed=4)
    contents, styles = small_pairs(seed=2)
    calibration = calibrate(network, contents, styles, source="two random pairs")
    path = write_ranges(tmp_path, network, calibration)
    assert path == tmp_path / RANGES_NAME
    again = Calibration.from_json(json.loads(path.read_text()), str(path))
    assert again == Calibration(calibration.fingerprint, calibration.qparams, calibration.source, calibration.scales)

    broken = json.loads(path.read_text())
    first = next(iter(broken["convs"]))
    broken["convs"][first]["input"] = [-1.0, 0]
    with pytest.raises(ValueError, match=rf"{RANGES_NAME}.*not an int8 ranges file.*scale is not positive"):
        Calibration.from_json(broken, str(path))
    with pytest.raises(ValueError, match="not an int8 ranges file"):
        Calibration.from_json({"version": 1}, "x.json")

    other = make_network(seed=5)
    assert weights_fingerprint(other) != calibration.fingerprint
    with pytest.raises(ValueError, match="measured on other weights.*recalibrate"):
        quantize_adain(other, calibration)


def test_int8_is_refused_where_it_cannot_run() -> None:
    with pytest.raises(ValueError, match="runs on the CPU only.*use precision 'auto', 'fp32' or 'bf16'"):
        runtime.resolve_precision("int8", torch.device("meta"))
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16, int8, got 'int4'"):
        runtime.resolve_precision("int4", torch.device("cpu"))
    with pytest.raises(ValueError, match="available for AdaIN networks only"):
        Stylizer.from_pretrained("magenta-arbitrary", device="cpu", precision="int8")


def test_auto_picks_int8_only_where_preferred_and_ranges_are_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a CPU without native bfloat16 but with VNNI, ``auto`` runs weights with stored ranges in int8; other weights stay float32."""
    stored = make_network(seed=6)
    contents, styles = small_pairs(seed=3)
    calibration = calibrate(stored, contents, styles)
    monkeypatch.setattr(int8_module, "load_stored_ranges", lambda network, fingerprint=None: calibration if (fingerprint or weights_fingerprint(network)) == calibration.fingerprint else None)
    monkeypatch.setattr(runtime, "cpu_has_native_bf16", lambda: False)
    monkeypatch.setattr(runtime, "cpu_prefers_int8", lambda: True)
    chosen = Stylizer(stored, device="cpu")
    assert chosen.precision == "int8" and chosen.memory_format == torch.channels_last
    assert Stylizer(make_network(seed=7), device="cpu").precision == "fp32"
    assert Stylizer.from_pretrained("adain-default", device="cpu").precision == "fp32"  # no stored ranges: see its card
    monkeypatch.setattr(runtime, "cpu_prefers_int8", lambda: False)
    assert Stylizer(stored, device="cpu").precision == "fp32"


def test_shipped_calibration_set() -> None:
    contents, styles = read_calibration_set()
    assert len(contents) == len(list((EXAMPLES / "content").glob("*.jpg")))
    assert len(styles) == len(list((EXAMPLES / "styles").glob("*.jpg")))
    assert all(image.shape[-2:] == (128, 128) and 0 <= image.min() and image.max() <= 1 for image in contents + styles)


def test_a_onednn_isa_cap_below_bf16_means_no_native_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI`` (how the bench plays a Xeon without bf16) turns the bf16 default off."""
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "avx512_core_vnni")
    assert runtime.cpu_has_native_bf16() is False
    assert runtime.resolve_precision("auto", torch.device("cpu")) == "fp32"
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX10_1_512_AMX")  # a cap above bf16 changes nothing
    monkeypatch.setattr(runtime, "_cpu_flags", lambda: frozenset({"avx512f", "avx512_bf16"}))
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    assert runtime.cpu_has_native_bf16() is True
