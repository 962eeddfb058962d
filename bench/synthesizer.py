"""SPADE synthesis end to end: ``Synthesizer.synthesize`` against the straightforward composition, and the bfloat16 error.

    python bench/synthesizer.py                 # CPU, writes bench/results/synthesizer-cpu.md
    python bench/synthesizer.py --device cuda   # writes bench/results/synthesizer-cuda.md

Speed: a label map of class ids in, a PIL image out, with the paper's generator (ngf 64, batch-norm
SPADE, spectral norm, 184 input channels as COCO-Stuff) and random weights. Ours is
``Synthesizer.synthesize`` by default (``precision="auto"``: bfloat16 where the hardware has it,
channels_last where it wins; spectral norm folded) and with ``precision="fp32"``. The
straightforward composition is ``bench/spade.py``'s plain generator (``nn.Conv2d``, ``nn.BatchNorm2d``,
torch's ``spectral_norm``) on ``F.one_hot`` of the same map, float32, contiguous, then the same
conversion to an image. Interleaved rounds in one process; the speed-up is the median of the
per-round time ratios.

Error: the bundled ``spade-default`` on its sample label maps, default precision against float32,
in 8-bit levels.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from stylesynth.data.segmentation import ClassList
from stylesynth.inference import Synthesizer
from stylesynth.io import tensor_to_pil
from stylesynth.nets import SPADENetwork

sys.path.insert(0, str(Path(__file__).parent))
from adain import interleaved_times, measured_on  # noqa: E402
from spade import _PlainGenerator  # noqa: E402  (the straightforward composition, shared with bench/spade.py)

ROOT = Path(__file__).resolve().parents[1]


def speed(args: argparse.Namespace, device: torch.device) -> list[str]:
    rows = []
    for size in args.sizes:
        torch.manual_seed(0)
        classes = ClassList.from_names([f"class_{index}" for index in range(args.semantic_nc)])
        generator = {"ngf": args.ngf, "crop_size": size, "norm": "batch"}
        network = SPADENetwork(classes, generator).eval()
        with torch.no_grad():  # non-trivial running statistics, so that the norms do something
            for name, buffer in network.generator.named_buffers():
                if name.endswith("running_var"):
                    buffer.uniform_(0.5, 1.5)
                elif name.endswith("running_mean"):
                    buffer.normal_(0, 0.1)
        plain = _PlainGenerator(args.semantic_nc, ngf=args.ngf, crop_size=size).eval()
        plain.load_state_dict(network.generator.state_dict(), strict=True)
        plain.to(device)
        ours = {
            "ours, default": Synthesizer(network, device=device),
            "ours, fp32": Synthesizer(network, device=device, precision="fp32"),
        }
        labels = torch.randint(args.semantic_nc, (size // 8, size // 8)).repeat_interleave(8, 0).repeat_interleave(8, 1)

        def straightforward(labels: torch.Tensor = labels, plain: torch.nn.Module = plain) -> Image.Image:
            with torch.inference_mode():
                segmap = F.one_hot(labels.to(device), args.semantic_nc).permute(2, 0, 1)[None].float()
                return tensor_to_pil(((plain(segmap)[0] + 1) / 2).clamp(0, 1).cpu())

        pipelines: dict[str, Callable[[], Image.Image]] = {"straightforward (fp32, contiguous)": straightforward}
        pipelines.update({name: (lambda synthesizer=synthesizer, labels=labels: synthesizer.synthesize(labels)) for name, synthesizer in ours.items()})
        reference = np.asarray(straightforward(), dtype=np.int16)
        times = interleaved_times(pipelines, args.rounds, device)
        base = times["straightforward (fp32, contiguous)"]
        for name, measured in times.items():
            synthesizer = ours.get(name)
            setting = f"{synthesizer.precision}, {'channels_last' if synthesizer.memory_format == torch.channels_last else 'contiguous'}" if synthesizer else "fp32, contiguous"
            difference = np.abs(np.asarray(pipelines[name](), dtype=np.int16) - reference).max()
            median = statistics.median(measured)
            ratio = statistics.median(b / t for b, t in zip(base, measured))
            rows.append(f"| {size}x{size} | {name} | {setting} | {median * 1e3:.0f} | {1 / median:.2f} | {ratio:.2f}x | {difference} |")
            print(rows[-1], flush=True)
    return rows


def bf16_error(device: torch.device) -> str:
    default = Synthesizer.from_pretrained("spade-default", device=device)
    exact = Synthesizer.from_pretrained("spade-default", device=device, precision="fp32")
    maps = sorted((ROOT / "stylesynth" / "checkpoints" / "spade-default" / "samples" / "labels").glob("*.png"))
    means, maxima = [], []
    for path in maps:
        for seed in range(4):
            a, b = (np.asarray(s.synthesize(path, seed=seed), dtype=np.int16) for s in (default, exact))
            means.append(float(np.abs(a - b).mean()))
            maxima.append(int(np.abs(a - b).max()))
    return (
        f"Default precision here: **{default.precision}**. Against float32, bundled `spade-default`, its {len(maps)} sample "
        f"label maps x 4 seeds: mean absolute difference **{statistics.mean(means):.2f}** 8-bit levels, max **{max(maxima)}**."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256])
    parser.add_argument("--semantic-nc", type=int, default=184)
    parser.add_argument("--ngf", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--note", default="")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    rows = speed(args, device)
    error = bf16_error(device)
    lines = [
        f"# SPADE synthesis speed, end to end ({device.type})",
        "",
        measured_on("synthesizer.py", device, args.threads) + f". One label map (class ids) in, one PIL image out; generator ngf {args.ngf},",
        f"{args.semantic_nc} input channels, batch-norm SPADE, spectral norm. {args.rounds} interleaved rounds; ms and images/s are",
        "medians, the speed-up is the median of the per-round time ratios.",
        "",
    ]
    if args.note:
        lines += [args.note, ""]
    lines += [
        "| size | pipeline | precision, memory format | ms/image | images/s | speed-up | max diff to straightforward (8-bit levels) |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## bfloat16 error",
        "",
        error,
        "",
    ]
    out = args.out or Path(__file__).parent / "results" / f"synthesizer-{device.type}.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
