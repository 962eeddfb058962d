"""Frames per second of AdaIN style transfer, excluding style encoding (the paper's measure).

    python bench/adain.py                     # CPU, writes bench/results/adain-cpu.md
    python bench/adain.py --device cuda       # CUDA (channels_last), writes bench/results/adain-cuda.md

Ours is ``Stylizer.stylize`` on a float tensor with the style's statistics already cached (pad to a
multiple of 8, encode, AdaIN, decode, crop). The reference is the straightforward PyTorch-port
pipeline in the same process: ``nn.Sequential`` VGG and decoder with ``ReflectionPad2d`` modules,
mean/std written out, and the style features kept from a previous encoding. Both use the same
random weights (speed does not depend on them), both run under ``torch.inference_mode``.
Paper (Huang & Belongie 2017, Titan X): 56 FPS at 256x256, 15 FPS at 512x512.
"""

from __future__ import annotations

import argparse
import datetime
import platform
from pathlib import Path

import torch
from torch import nn
from torch.utils import benchmark

from stylesynth.inference import Stylizer
from stylesynth.nets import AdaINDecoder, AdaINNetwork, VGGEncoder
from stylesynth.nets.adain_decoder import DECODER_INDEX
from stylesynth.nets.vgg import NORMALISED_INDEX


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--min-run-time", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--note", default="", help="a line about the machine's load, written with the results")
    parser.add_argument("--out", type=Path, default=None, help="Markdown file (default bench/results/adain-<device>.md)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    torch.manual_seed(0)
    network = AdaINNetwork(VGGEncoder(), AdaINDecoder(), stats="unbiased")  # caffe preprocessing, as the port
    stylizer = Stylizer(network, device=device, cache_size=4)
    encoder, decoder = (m.to(device) for m in reference_pipeline(network))
    style = torch.rand(3, 256, 256)

    rows = []
    for size in args.sizes:
        content = torch.rand(1, 3, size, size, device=device)
        stylizer.style_statistics(style)  # cached: not timed, as in the paper
        with torch.inference_mode():
            style_features = encoder(style[None].to(device))
            ours = stylizer.stylize(content, style)
            reference = reference_stylize(encoder, decoder, content, style_features)
        difference = (ours - reference).abs().max().item()
        timers = {
            "ours (Stylizer)": benchmark.Timer(
                "stylizer.stylize(content, style)", globals={"stylizer": stylizer, "content": content, "style": style}, num_threads=args.threads
            ),
            "reference (port pipeline)": benchmark.Timer(
                "with torch.inference_mode(): reference_stylize(encoder, decoder, content, features)",
                globals={"torch": torch, "reference_stylize": reference_stylize, "encoder": encoder, "decoder": decoder, "content": content, "features": style_features},
                num_threads=args.threads,
            ),
        }
        for name, timer in timers.items():
            measurement = timer.blocked_autorange(min_run_time=args.min_run_time)
            rows.append((size, name, 1.0 / measurement.median, measurement.median * 1e3, difference))
            print(f"{size}x{size} {name}: {1.0 / measurement.median:.2f} FPS ({measurement.median * 1e3:.0f} ms)", flush=True)

    machine = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{platform.processor() or platform.machine()}, {args.threads} thread(s)"
    lines = [
        f"# AdaIN style transfer speed ({device.type})",
        "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC with `python bench/adain.py --device {args.device}`",
        f"on {machine}, torch {torch.__version__}. Batch 1, square content, style statistics cached",
        "(style encoding excluded, as in the paper). Median of `torch.utils.benchmark` runs.",
        "",
    ]
    if args.note:
        lines += [args.note, ""]
    lines += ["| size | pipeline | FPS | ms/frame | max abs diff to reference |", "|---|---|---|---|---|"]
    lines += [f"| {s}x{s} | {name} | {fps:.2f} | {ms:.0f} | {diff:.1e} |" for s, name, fps, ms, diff in rows]
    lines += ["", "Paper (Titan X, 2017): 56 FPS at 256x256, 15 FPS at 512x512.", ""]
    out = args.out or Path(__file__).parent / "results" / f"adain-{device.type}.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
