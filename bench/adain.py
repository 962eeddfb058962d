"""AdaIN style transfer: frames per second against the PyTorch port's pipeline, and the error of the fast paths.

    python bench/adain.py                     # CPU, writes bench/results/adain-cpu.md
    ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI python bench/adain.py --out bench/results/adain-cpu-vnni.md
                                              # oneDNN capped to a CPU with AVX-512 and VNNI but no bf16/AMX
    python bench/adain.py --device cuda       # CUDA, writes bench/results/adain-cuda.md

Speed, excluding style encoding (the paper's measure): ``Stylizer.stylize`` on a float tensor with
the style's statistics cached (pad to a multiple of 8, encode, AdaIN, decode, crop), by default
(``precision="auto"``: bfloat16 where the hardware has it, channels_last where it wins) and exact
(``precision="fp32"``) and, on a CPU, int8 (``precision="int8"``, calibrated on the shipped set), against the straightforward PyTorch-port pipeline: ``nn.Sequential`` VGG and
decoder with ``ReflectionPad2d`` modules, mean/std written out, float32, contiguous. Same random
weights (speed does not depend on them), all under ``torch.inference_mode``. The pipelines are timed
in interleaved rounds in one process (port, ours, ours fp32, port, ...), so a busy machine slows them
alike; the table gives the median over rounds of each round's time ratio.

Error: the bundled ``adain-default`` weights on the example photos (every ``examples/content``
image with every ``examples/styles`` image), default precision and int8 against float32, as mean and max
absolute difference in 8-bit levels of the saved images.
Paper (Huang & Belongie 2017, Titan X): 56 FPS at 256x256, 15 FPS at 512x512.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from stylesynth.inference import Stylizer
from stylesynth.inference.int8 import int8_engine
from stylesynth.io import load_image, pil_to_tensor
from stylesynth.nets import AdaINDecoder, AdaINNetwork, VGGEncoder
from stylesynth.nets.adain_decoder import DECODER_INDEX
from stylesynth.nets.vgg import NORMALISED_INDEX

ROOT = Path(__file__).resolve().parents[1]


def reference_pipeline(network: AdaINNetwork) -> tuple[nn.Sequential, nn.Sequential]:
    """The port's encoder (modules 0-30) and decoder as plain ``nn.Sequential``s with ``network``'s weights."""

    def block(cin: int, cout: int) -> list[nn.Module]:
        return [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3), nn.ReLU()]

    pool = nn.MaxPool2d(2, 2, ceil_mode=True)
    encoder = nn.Sequential(
        nn.Conv2d(3, 3, 1), *block(3, 64), *block(64, 64), pool, *block(64, 128), *block(128, 128), pool,
        *block(128, 256), *block(256, 256), *block(256, 256), *block(256, 256), pool, *block(256, 512),
    )  # fmt: skip
    up = nn.Upsample(scale_factor=2, mode="nearest")
    decoder = nn.Sequential(
        *block(512, 256), up, *block(256, 256), *block(256, 256), *block(256, 256), *block(256, 128), up,
        *block(128, 128), *block(128, 64), up, *block(64, 64), nn.ReflectionPad2d(1), nn.Conv2d(64, 3, 3),
    )  # fmt: skip
    with torch.no_grad():
        for name, index in NORMALISED_INDEX.items():
            if name in network.encoder.convs:
                encoder[index].load_state_dict(network.encoder.convs[name].state_dict())
        encoder[0].load_state_dict(network.encoder.preprocess.state_dict())
        for name, index in DECODER_INDEX.items():
            decoder[index].load_state_dict(network.decoder.convs[name].state_dict())
    return encoder.eval(), decoder.eval()


def reference_stylize(encoder: nn.Module, decoder: nn.Module, content: torch.Tensor, style_features: torch.Tensor) -> torch.Tensor:
    def mean_std(feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, c = feat.shape[:2]
        var = feat.view(n, c, -1).var(dim=2) + 1e-5
        return feat.view(n, c, -1).mean(dim=2).view(n, c, 1, 1), var.sqrt().view(n, c, 1, 1)

    content_features = encoder(content)
    (cm, cs), (sm, ss) = mean_std(content_features), mean_std(style_features)
    return decoder((content_features - cm) / cs * ss + sm).clamp(0, 1)


def seconds(function: Callable[[], object], device: torch.device) -> float:
    """Wall-clock seconds of one call (CUDA work included)."""
    start = time.perf_counter()
    function()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def interleaved_times(pipelines: dict[str, Callable[[], object]], rounds: int, device: torch.device) -> dict[str, list[float]]:
    """Each pipeline called once to warm up (oneDNN primitives, allocator), then ``rounds`` rounds of one timed call each, in turn."""
    for function in pipelines.values():
        function()
    times: dict[str, list[float]] = {name: [] for name in pipelines}
    for _ in range(rounds):
        for name, function in pipelines.items():
            times[name].append(seconds(function, device))
    return times


def measured_on(script: str, device: torch.device, threads: int) -> str:
    """When, with which command, on what machine (and its load) and torch: the first lines of a results file."""
    machine = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{platform.processor() or platform.machine()}, {threads} thread(s), CPU capability {torch.backends.cpu.get_cpu_capability()}"
    load = f", load average {os.getloadavg()[0]:.1f} at the end" if hasattr(os, "getloadavg") else ""
    if os.environ.get("ONEDNN_MAX_CPU_ISA"):  # oneDNN's kernels capped, e.g. AVX512_CORE_VNNI: a CPU without bf16/AMX
        machine += f", ONEDNN_MAX_CPU_ISA={os.environ['ONEDNN_MAX_CPU_ISA']}"
    return (
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC with `python bench/{script} --device {device.type}`\n"
        f"on {machine}{load}, torch {torch.__version__}"
    )


def speed(args: argparse.Namespace, device: torch.device) -> list[str]:
    """Interleaved rounds of the port pipeline and ours; rows of the speed table."""
    torch.manual_seed(0)
    network = AdaINNetwork(VGGEncoder(), AdaINDecoder())  # caffe preprocessing, as the port
    # a fresh decoder's last conv is zero (a grey image whatever the input): random weights there too,
    # so that the difference column compares real outputs
    torch.nn.init.kaiming_normal_(network.decoder.convs["conv1_1"].weight, nonlinearity="relu")
    exact = AdaINNetwork(network.encoder, network.decoder, stats="unbiased")  # the port's variance: same numbers
    ours = {"ours, default": Stylizer(network, device=device, cache_size=4), "ours, fp32": Stylizer(exact, device=device, precision="fp32", cache_size=4)}
    if device.type == "cpu" and int8_engine() is not None:
        ours["ours, int8"] = Stylizer(network, device=device, precision="int8", cache_size=4)  # calibrated on the shipped set
    encoder, decoder = (module.to(device) for module in reference_pipeline(network))
    style = torch.rand(3, 256, 256)
    rows = []
    for size in args.sizes:
        content = torch.rand(1, 3, size, size, device=device)
        for stylizer in ours.values():
            stylizer.style_code(style)  # cached: not timed, as in the paper
        with torch.inference_mode():
            style_features = encoder(style[None].to(device))
            reference = reference_stylize(encoder, decoder, content, style_features)

        def port(content: torch.Tensor = content, style_features: torch.Tensor = style_features) -> None:
            with torch.inference_mode():
                reference_stylize(encoder, decoder, content, style_features)

        pipelines: dict[str, Callable[[], object]] = {"port pipeline (fp32, contiguous)": port}
        pipelines.update({name: (lambda stylizer=stylizer, content=content: stylizer.stylize(content, style)) for name, stylizer in ours.items()})
        times = interleaved_times(pipelines, args.rounds, device)
        port_times = times["port pipeline (fp32, contiguous)"]
        for name, measured in times.items():
            ratio = statistics.median(p / t for p, t in zip(port_times, measured))
            stylizer = ours.get(name)
            setting = f"{stylizer.precision}, {'channels_last' if stylizer.memory_format == torch.channels_last else 'contiguous'}" if stylizer else "fp32, contiguous"
            difference = (stylizer.stylize(content, style) - reference).abs().max().item() if stylizer else 0.0
            median = statistics.median(measured)
            rows.append(f"| {size}x{size} | {name} | {setting} | {median * 1e3:.0f} | {1 / median:.2f} | {ratio:.2f}x | {difference:.1e} |")
            print(rows[-1], flush=True)
    return rows


def precision_error(args: argparse.Namespace, device: torch.device, precision: str) -> str:
    """``precision`` against float32 on the example photos with the bundled weights, in 8-bit levels (one line)."""
    tested = Stylizer.from_pretrained("adain-default", device=device, precision=precision)
    exact = Stylizer.from_pretrained("adain-default", device=device, precision="fp32")
    contents = sorted((ROOT / "examples" / "content").glob("*.jpg"))
    styles = sorted((ROOT / "examples" / "styles").glob("*.jpg"))
    means, maxima = [], []
    for content_path in contents:
        content = pil_to_tensor(load_image(content_path))
        for style_path in styles:
            style = pil_to_tensor(load_image(style_path))
            levels = [
                (stylizer.stylize(content, style, size=args.error_size, style_size=256) * 255).round()
                for stylizer in (tested, exact)
            ]
            difference = (levels[0] - levels[1]).abs()
            means.append(difference.mean().item())
            maxima.append(difference.max().item())
    shape = f"content shorter side {args.error_size}, style 256"
    label = f"`precision={precision!r}` (runs **{tested.precision}** here)"
    return (
        f"{label} against float32, bundled `adain-default`, {len(contents)} example photos x {len(styles)} styles ({shape}): "
        f"mean absolute difference **{statistics.mean(means):.2f}** 8-bit levels (per pair {min(means):.2f} to {max(means):.2f}), "
        f"max **{max(maxima):.0f}** levels."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per size")
    parser.add_argument("--error-size", type=int, default=512, help="content size (shorter side) of the error measurement")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--note", default="", help="a line about the machine's load, written with the results")
    parser.add_argument("--out", type=Path, default=None, help="Markdown file (default bench/results/adain-<device>.md)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    rows = speed(args, device)
    error = [precision_error(args, device, "auto")]
    if device.type == "cpu" and int8_engine() is not None:
        error += ["", precision_error(args, device, "int8")]
    lines = [
        f"# AdaIN style transfer speed ({device.type})",
        "",
        measured_on("adain.py", device, args.threads) + ". Batch 1, square content, style statistics cached",
        f"(style encoding excluded, as in the paper). {args.rounds} interleaved rounds per size; ms and FPS are medians,",
        "the speed-up is the median of the per-round time ratios (port / pipeline).",
        "",
    ]
    if args.note:
        lines += [args.note, ""]
    lines += [
        "| size | pipeline | precision, memory format | ms/frame | FPS | speed-up vs port | max abs diff to port |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "`ours, default` uses the biased variance (the paper's), so its difference to the port (unbiased) is",
        "not only rounding; `ours, fp32` uses the port's variance and matches it to float rounding.",
        "",
        "## Error of the fast paths on real photos",
        "",
        *error,
        "",
        "Paper (Titan X, 2017): 56 FPS at 256x256, 15 FPS at 512x512.",
        "",
    ]
    out = args.out or Path(__file__).parent / "results" / f"adain-{device.type}.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
