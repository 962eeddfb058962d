"""Speed of every stylesynth.norm layer against torch's native op (or the straightforward composition).

    python bench/norm.py                       # CPU, writes bench/results/norm-cpu.md
    python bench/norm.py --device cuda --dtypes float32 bfloat16   # writes bench/results/norm-cuda.md
    python bench/norm.py --quick --out /tmp/norm.md                 # tiny shapes, 1 round: a check that it runs

Both sides are timed in the same process with torch.utils.benchmark, forward and
forward+backward, contiguous and channels_last. The ratio is torch's time / ours: above 1 means
ours is faster.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils import benchmark

import stylesynth.norm as norm

#: Activation shapes of real models; the last has small samples (4,096 values each), where
#: per-sample work is dominated by call overhead.
SHAPES = [(8, 64, 128, 128), (8, 512, 32, 32), (64, 64, 8, 8)]
#: Re-parametrized 3×3 convs are timed on smaller maps: the conv itself would hide the weight's cost.
WEIGHT_SHAPES = [(8, 64, 32, 32), (8, 512, 8, 8)]
#: ``--quick``: shapes small enough for a check of the script on any machine
QUICK_SHAPES, QUICK_WEIGHT_SHAPES = [(2, 32, 8, 8)], [(2, 32, 8, 8)]
#: classes of CLADE's label maps (COCO-Stuff's 182 + don't care)
CLADE_CLASSES = 183


def _composed_adain(content: torch.Tensor, style: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    c_mean = content.mean((2, 3), keepdim=True)
    c_std = (content.var((2, 3), keepdim=True, unbiased=False) + eps).sqrt()
    s_mean = style.mean((2, 3), keepdim=True)
    s_std = (style.var((2, 3), keepdim=True, unbiased=False) + eps).sqrt()
    return (content - c_mean) / c_std * s_std + s_mean


def _composed_frn(x, weight, bias, tau, eps=1e-6):
    nu2 = x.pow(2).mean((2, 3), keepdim=True)
    y = x / (nu2 + eps).sqrt() * weight.view(1, -1, 1, 1) + bias.view(1, -1, 1, 1)
    return torch.max(y, tau.view(1, -1, 1, 1))


def _composed_batch_renorm(x, running_mean, running_var, weight, bias, eps=1e-5, r_max=3.0, d_max=5.0):
    mean = x.mean((0, 2, 3), keepdim=True)
    std = (x.var((0, 2, 3), keepdim=True, unbiased=False) + eps).sqrt()
    running_std = (running_var.view(1, -1, 1, 1) + eps).sqrt()
    r = (std / running_std).detach().clamp(1 / r_max, r_max)
    d = ((mean - running_mean.view(1, -1, 1, 1)) / running_std).detach().clamp(-d_max, d_max)
    return ((x - mean) / std * r + d) * weight.view(1, -1, 1, 1) + bias.view(1, -1, 1, 1)


def pairs(channels: int) -> dict[str, tuple[Callable, Callable, str]]:
    """name -> (ours(x), torch's(x), what torch's side is)."""
    style = {}
    bn, our_bn = nn.BatchNorm2d(channels), norm.BatchNorm(channels)
    gn, our_gn = nn.GroupNorm(32, channels), norm.GroupNorm(channels, groups=32)
    inorm, our_in = nn.InstanceNorm2d(channels, affine=True), norm.InstanceNorm(channels, affine=True)
    ln, our_ln = nn.GroupNorm(1, channels), norm.LayerNorm(channels)
    sync = norm.SyncBatchNorm(channels)
    rms = norm.RMSNorm(channels)
    frn = norm.FilterResponseNorm(channels)
    renorm = norm.BatchRenorm(channels)
    adain = norm.AdaIN()
    cin = norm.ConditionalInstanceNorm(channels, num_styles=4)
    clade = norm.CLADE(channels, CLADE_CLASSES, norm="batch")
    labels = {}

    def style_of(x):
        key = (tuple(x.shape), x.is_contiguous())
        if key not in style:
            style[key] = torch.randn_like(x).mul_(2)
        return style[key]

    def labels_of(x):
        """Class ids in 4x4 blocks (regions, as in a label map), fixed per shape."""
        key = (x.shape[0],) + tuple(x.shape[2:])
        if key not in labels:
            generator = torch.Generator().manual_seed(0)
            coarse = torch.randint(CLADE_CLASSES, (x.shape[0], max(1, x.shape[2] // 4), max(1, x.shape[3] // 4)), generator=generator)
            labels[key] = coarse.repeat_interleave(4, 1).repeat_interleave(4, 2)[:, : x.shape[2], : x.shape[3]].to(x.device)
        return labels[key]

    def torch_clade(x):
        ids = labels_of(x)
        gamma = F.embedding(ids, clade.weight).permute(0, 3, 1, 2)
        beta = F.embedding(ids, clade.bias).permute(0, 3, 1, 2)
        return F.batch_norm(x, None, None, training=True) * gamma + beta

    def our_cin(x):
        return cin(x, torch.arange(x.shape[0], device=x.device) % 4)

    def torch_cin(x):
        s = torch.arange(x.shape[0], device=x.device) % 4
        return F.instance_norm(x) * cin.weight[s][:, :, None, None] + cin.bias[s][:, :, None, None]

    return {
        "batch": (our_bn, bn, "nn.BatchNorm2d"),
        "sync_batch (1 process)": (sync, bn, "nn.BatchNorm2d"),
        "instance": (our_in, inorm, "nn.InstanceNorm2d"),
        "group (G=32)": (our_gn, gn, "nn.GroupNorm"),
        "layer": (our_ln, ln, "nn.GroupNorm(1, C)"),
        "rms": (rms, lambda x: F.rms_norm(x, x.shape[1:], eps=1e-5) * rms.weight.view(1, -1, 1, 1), "F.rms_norm × γ"),
        "filter_response": (frn, lambda x: _composed_frn(x, frn.weight, frn.bias, frn.tau), "composition"),
        "batch_renorm": (renorm, lambda x: _composed_batch_renorm(x, renorm.running_mean, renorm.running_var, renorm.weight, renorm.bias), "composition"),
        "adain": (lambda x: adain(x, style_of(x)), lambda x: _composed_adain(x, style_of(x)), "composition"),
        "conditional_instance": (our_cin, torch_cin, "F.instance_norm + gather"),
        "clade (183 classes)": (lambda x: clade(x, labels_of(x)), torch_clade, "F.batch_norm + F.embedding"),
    }


def weight_pairs(channels: int) -> dict[str, tuple[Callable, Callable, str]]:
    """Re-parametrized 3×3 convs: ours vs torch.nn.utils.parametrizations, and folded vs plain."""
    def conv():
        torch.manual_seed(0)
        return nn.Conv2d(channels, channels, 3, padding=1)

    ours_wn, torch_wn = norm.weight_norm(conv()), nn.utils.parametrizations.weight_norm(conv())
    ours_sn, torch_sn = norm.spectral_norm(conv()), nn.utils.parametrizations.spectral_norm(conv())
    ours_ws = norm.WSConv2d(channels, channels, 3, padding=1)
    raw = conv()

    def torch_ws(x):
        w = raw.weight
        mean = w.mean((1, 2, 3), keepdim=True)
        std = (w.var((1, 2, 3), keepdim=True, unbiased=False) + 1e-5).sqrt()
        return F.conv2d(x, (w - mean) / std, raw.bias, padding=1)

    folded = norm.fold(norm.spectral_norm(conv()).eval())
    return {
        "weight_norm conv": (ours_wn, torch_wn, "parametrizations.weight_norm"),
        "spectral_norm conv": (ours_sn, torch_sn, "parametrizations.spectral_norm"),
        "weight_standardization conv": (ours_ws, torch_ws, "composition"),
        "spectral_norm folded conv": (folded, raw, "plain nn.Conv2d"),
    }


def _step(fn: Callable, x: torch.Tensor, backward: bool) -> Callable[[], None]:
    if backward:
        x = x.detach().requires_grad_()
        grad = torch.ones_like(x)

        def step():
            fn(x).backward(grad)
    else:
        def step():
            with torch.no_grad():
                fn(x)
    return step


def measure_pair(
    ours: Callable, theirs: Callable, x: torch.Tensor, backward: bool, rounds: int, min_time: float = 0.1
) -> tuple[float, float]:
    """Seconds per call for (ours, theirs): interleaved rounds, the fastest round of each.

    Alternating the two sides and keeping each one's best round makes the ratio fair on a machine
    that other work shares: a burst of load slows one round, not one side.
    """
    steps = [_step(ours, x, backward), _step(theirs, x, backward)]
    timers = [benchmark.Timer(stmt="step()", globals={"step": step}, num_threads=torch.get_num_threads()) for step in steps]
    for step in steps:
        step()  # warm-up
    number = max(1, int(min_time / max(timers[0].timeit(1).mean, 1e-6)))
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for side, timer in enumerate(timers):
            best[side] = min(best[side], timer.timeit(number).mean)
    return best[0], best[1]


def _modules(fn: Callable) -> list[nn.Module]:
    """The modules a timed callable runs: itself, or those its closure holds (lambdas over layers)."""
    if isinstance(fn, nn.Module):
        return [fn]
    cells = getattr(fn, "__closure__", None) or ()
    return [cell.cell_contents for cell in cells if isinstance(cell.cell_contents, nn.Module)]


def run(
    device: str, rounds: int, only: str | None, dtypes: list[torch.dtype], quick: bool = False, min_time: float = 0.1
) -> list[dict]:
    rows = []
    shapes, weight_shapes = (QUICK_SHAPES, QUICK_WEIGHT_SHAPES) if quick else (SHAPES, WEIGHT_SHAPES)
    tables = [(shape, pairs(shape[1])) for shape in shapes] + [(shape, weight_pairs(shape[1])) for shape in weight_shapes]
    for dtype in dtypes:
        for shape, table in tables:
            for name, (ours, theirs, what) in table.items():
                if only and only not in name:
                    continue
                for module in _modules(ours) + _modules(theirs):
                    module.to(device=device, dtype=dtype).train()
                for layout in ("contiguous", "channels_last"):
                    x = torch.randn(shape, device=device, dtype=dtype)
                    if layout == "channels_last":
                        x = x.contiguous(memory_format=torch.channels_last)
                    for backward in (False, True):
                        t_ours, t_torch = measure_pair(ours, theirs, x, backward, rounds, min_time)
                        rows.append({
                            "dtype": str(dtype).removeprefix("torch."), "shape": "x".join(map(str, shape)), "name": name,
                            "torch": what, "layout": layout, "pass": "fwd+bwd" if backward else "fwd",
                            "ours_ms": t_ours * 1e3, "torch_ms": t_torch * 1e3, "ratio": t_torch / t_ours,
                        })
                        print(f"{rows[-1]['dtype']:8} {rows[-1]['shape']:>16} {name:28} {layout:13} {rows[-1]['pass']:7} "
                              f"ours {t_ours * 1e3:8.2f} ms  torch {t_torch * 1e3:8.2f} ms  ratio {t_torch / t_ours:5.2f}", flush=True)
    return rows


def write_markdown(rows: list[dict], path: Path, device: str, command: str) -> None:
    if device == "cuda":
        machine = torch.cuda.get_device_name()
    else:
        machine = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    lines = [
        f"# stylesynth.norm speed on {device.upper()}",
        "",
        f"Measured {datetime.date.today().isoformat()} with `{command}` "
        f"(torch {torch.__version__}, {machine}, training mode).",
        "Ratio = torch's time / ours (above 1: ours is faster). Each side is timed with `torch.utils.benchmark`",
        "in interleaved rounds in the same process; the table keeps each side's fastest round.",
        "",
        "| dtype | shape | layer | torch side | layout | pass | ours (ms) | torch (ms) | ratio |",
        "|---|---|---|---|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['dtype']} | {r['shape']} | {r['name']} | {r['torch']} | {r['layout']} | {r['pass']} | "
                     f"{r['ours_ms']:.2f} | {r['torch_ms']:.2f} | {r['ratio']:.2f} |")
    worst = min(rows, key=lambda r: r["ratio"])
    lines += ["", f"Lowest ratio: {worst['ratio']:.2f} ({worst['name']}, {worst['dtype']}, {worst['shape']}, {worst['layout']}, {worst['pass']})."]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per measurement")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--only", default=None, help="run only layers whose name contains this")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--dtypes", nargs="+", default=["float32"], choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--quick", action="store_true", help="tiny shapes and 1 round: a check that the script runs")
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds per timed run of one side")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dtypes = [getattr(torch, d) for d in args.dtypes]
    rows = run(args.device, 1 if args.quick else args.rounds, args.only, dtypes, args.quick, args.min_time)
    out = args.out or Path(__file__).parent / "results" / f"norm-{args.device}.md"
    write_markdown(rows, out, args.device, "python bench/norm.py " + " ".join(sys.argv[1:]))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
