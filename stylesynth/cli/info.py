"""``stylesynth info [--json]``: the torch version, the devices found, the precision ``"auto"`` picks, the bundled models.

What a bug report needs about the machine: the CPU's capability as torch reads it
(``torch.backends.cpu.get_cpu_capability()``), each CUDA device, the device a model loads on by
default and the precision ``precision="auto"`` resolves to there (the library's own resolvers,
:func:`stylesynth.inference.device.resolve_device` and
:func:`stylesynth.inference.runtime.resolve_precision`), and the bundled checkpoints with their kind.
"""

from __future__ import annotations

import argparse
import json
import platform
from typing import Any


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "info",
        help="show the torch version, devices, the precision 'auto' picks and the bundled models",
        description="Show the torch version, the devices found, the precision precision='auto' picks on this machine, and the bundled models.",
        epilog="examples:\n  stylesynth info\n  stylesynth info --json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print the same as one JSON object")
    parser.set_defaults(run=run)


def collect() -> dict[str, Any]:
    """Everything ``stylesynth info`` shows, as plain JSON types."""
    import torch

    from ..inference.device import resolve_device
    from ..inference.runtime import cpu_has_native_bf16, cpu_prefers_int8, resolve_precision
    from ..io import bundled_checkpoints
    from . import package_version

    cuda = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            properties = torch.cuda.get_device_properties(index)
            cuda.append(
                {
                    "device": f"cuda:{index}",
                    "name": properties.name,
                    "capability": f"{properties.major}.{properties.minor}",
                    "memory_gib": round(properties.total_memory / 2**30, 1),
                }
            )
    default = resolve_device(None)
    models = []
    for name, folder in bundled_checkpoints().items():
        try:
            config = json.loads((folder / "config.json").read_text())
        except (OSError, ValueError):
            config = {}
        evaluation = config.get("evaluation") if isinstance(config.get("evaluation"), dict) else None
        models.append({"name": name, "kind": config.get("kind"), "path": str(folder), "heldout": evaluation})
    return {
        "stylesynth": package_version(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda_runtime": torch.version.cuda,
        "cpu": {"capability": torch.backends.cpu.get_cpu_capability(), "native_bf16": cpu_has_native_bf16(), "threads": torch.get_num_threads()},
        "cuda": cuda,
        "default_device": str(default),
        "auto_precision": resolve_precision("auto", default),
        "auto_int8_adain": default.type == "cpu" and resolve_precision("auto", default) == "fp32" and cpu_prefers_int8(),
        "models": models,
    }


def format_text(info: dict[str, Any]) -> str:
    cpu = info["cpu"]
    lines = [
        f"stylesynth {info['stylesynth']}, Python {info['python']}",
        f"torch {info['torch']}" + (f" (CUDA {info['cuda_runtime']})" if info["cuda_runtime"] else " (no CUDA build)"),
        f"cpu: capability {cpu['capability']}, native bf16: {'yes' if cpu['native_bf16'] else 'no'}, {cpu['threads']} threads",
    ]
    if info["cuda"]:
        lines += [f"{gpu['device']}: {gpu['name']}, compute capability {gpu['capability']}, {gpu['memory_gib']} GiB" for gpu in info["cuda"]]
    else:
        lines.append("cuda: no devices")
    picks = info["auto_precision"] + (" (int8 for AdaIN networks with stored int8 ranges)" if info["auto_int8_adain"] else "")
    lines.append(f"default device: {info['default_device']}; precision 'auto' picks {picks} there")
    lines.append("bundled models:" if info["models"] else "bundled models: none")
    width = max((len(model["name"]) for model in info["models"]), default=0)
    for model in info["models"]:
        numbers = model.get("heldout")
        measured = (
            f"  held-out style {numbers['style']:.3f}, texture {numbers['texture']:.3f}, structure {numbers['structure']:.3f}"
            f" ({numbers.get('pairs', '?')} pairs, {numbers.get('size', '?')} px)"
            if numbers and all(isinstance(numbers.get(key), (int, float)) for key in ("style", "texture", "structure"))
            else ""
        )
        lines.append(f"  {model['name']:<{width}}  {str(model['kind']):<17}{measured}".rstrip())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    info = collect()
    print(json.dumps(info) if args.json else format_text(info))
    return 0
