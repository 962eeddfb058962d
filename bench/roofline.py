"""How close the pipelines run to this machine's convolution peak: a measured roofline.

    python bench/roofline.py [--threads 2] [--rounds 5] [--size 512]

The peak is what one large 3x3 convolution (256 -> 256 channels, 128x128, channels_last) reaches
here, in float32, bfloat16 and int8 (torch's quantized oneDNN/x86 convolution, prepacked weights,
where the quantized engine exists). Each pipeline's work is counted with
``torch.utils.flop_counter.FlopCounterMode`` (2 FLOPs per multiply-add) and timed as users run it,
so its GFLOP/s and the fraction of the peak of its own precision are numbers on every machine the
script runs on. Prints Markdown for ``bench/results/roofline-<cpu kind>.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from adain import interleaved_times, measured_on  # noqa: E402

from stylesynth import Stylizer, Synthesizer  # noqa: E402
from stylesynth.inference.runtime import cpu_has_native_bf16  # noqa: E402

PEAK_SHAPE = (1, 256, 128, 128)


def median_seconds(function: Callable[[], object], rounds: int) -> float:
    return statistics.median(interleaved_times({"x": function}, rounds, torch.device("cpu"))["x"])


def conv_peaks(rounds: int) -> dict[str, float]:
    """GFLOP/s of the reference convolution per precision."""
    flops = 2 * 256 * 256 * 9 * PEAK_SHAPE[2] * PEAK_SHAPE[3]
    x = torch.rand(PEAK_SHAPE).contiguous(memory_format=torch.channels_last)
    conv = torch.nn.Conv2d(256, 256, 3, padding=1).eval().to(memory_format=torch.channels_last)
    peaks = {}
    with torch.inference_mode():
        peaks["fp32"] = flops / median_seconds(lambda: conv(x), rounds) / 1e9
        low, xb = conv.to(torch.bfloat16), x.bfloat16()
        peaks["bf16"] = flops / median_seconds(lambda: low(xb), rounds) / 1e9
        engine = next((name for name in ("x86", "onednn", "fbgemm") if name in torch.backends.quantized.supported_engines), None)
        if engine is not None:
            from torch.ao.nn.quantized import Conv2d as QuantizedConv2d

            torch.backends.quantized.engine = engine
            quantized = QuantizedConv2d(256, 256, 3, padding=1)
            weight = torch.quantize_per_channel(conv.weight.float(), torch.full((256,), 0.01), torch.zeros(256, dtype=torch.long), 0, torch.qint8)
            quantized.set_weight_bias(weight, conv.bias.float())
            quantized.scale, quantized.zero_point = 0.1, 0
            xq = torch.quantize_per_tensor(x.float(), 0.02, 0, torch.quint8)
            peaks[f"int8 ({engine})"] = flops / median_seconds(lambda: quantized(xq), rounds) / 1e9
    return peaks


def count_flops(function: Callable[[], object]) -> int:
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        function()
    return counter.get_total_flops()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    peaks = conv_peaks(args.rounds)
    size = args.size
    content, style = torch.rand(1, 3, size, size), torch.rand(1, 3, 256, 256)
    labels = torch.randint(0, 7, (256, 256))  # spade-default has 7 classes
    pipelines: dict[str, tuple[Callable[[], object], str]] = {}
    precisions = ["fp32", "bf16"] if cpu_has_native_bf16() else ["fp32"]
    for precision in precisions:
        for model in ("adain-default", "magenta-arbitrary"):
            stylizer = Stylizer.from_pretrained(model, device="cpu", precision=precision)
            stylizer.style_code(style)  # cached: the style is encoded once, as in use
            pipelines[f"{model} Stylizer.stylize {size}x{size}"] = (lambda s=stylizer: s.stylize(content, style), precision)
        synthesizer = Synthesizer.from_pretrained("spade-default", device="cpu", precision=precision)
        pipelines["spade-default Synthesizer.synthesize 256x256"] = (lambda s=synthesizer: s.synthesize(labels, seed=0), precision)
        rows = [f"| pipeline ({precision}) | GFLOP per call | median ms | GFLOP/s | fraction of the {precision} conv peak |", "|---|---|---|---|---|"]
        for name, (function, kind) in [(n, p) for n, p in pipelines.items() if p[1] == precision]:
            flops = count_flops(function)
            seconds = median_seconds(function, args.rounds)
            rate = flops / seconds / 1e9
            rows.append(f"| {name} | {flops / 1e9:.1f} | {seconds * 1000:.0f} | {rate:.0f} | {rate / peaks[kind]:.0%} |")
        pipelines = {name: value for name, value in pipelines.items() if value[1] != precision}
        print("\n".join(rows) + "\n")
    print(measured_on("roofline.py", torch.device("cpu"), args.threads).replace(" --device cpu", ""))
    print(f"native bf16: {'yes' if cpu_has_native_bf16() else 'no'}\n")
    print("| precision | 3x3 conv 256->256 at 128x128, GFLOP/s (the peak) |\n|---|---|")
    for name, rate in peaks.items():
        print(f"| {name} | {rate:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
