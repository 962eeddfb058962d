"""What :class:`Stylizer` and :class:`Synthesizer` share: device, precision, memory format, inference mode, batching.

Conventions of both (see ``docs/architecture.md``):

- ``device``: ``None`` picks CUDA when available, else the CPU (:func:`resolve_device`).
- ``precision``: ``"auto"`` (default) runs the networks in bfloat16 where the hardware does
  bfloat16 natively (a CUDA GPU with bf16, a CPU with AVX512-BF16 or AMX), float32 elsewhere;
  ``"fp32"`` is exact float32 everywhere; ``"bf16"`` asks for bfloat16. In bfloat16 the weights are
  cast once at load and the activations are bfloat16 (faster than autocast, which casts every
  weight on every call); statistics (AdaIN's means and standard deviations, norms' statistics) are
  computed in float32, and outputs are float32.
- memory format: channels_last on CUDA and on CPUs with AVX-512 (measured faster for these conv
  nets), contiguous elsewhere.
- every forward pass runs under ``torch.inference_mode`` on networks in eval mode with gradients
  off and weight re-parametrizations folded; a model is loaded once and called from many threads.
- inputs go through in batches of at most ``batch_size``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import torch
from torch import Tensor, nn

from ..norm import fold
from .device import resolve_device

__all__ = ["PRECISIONS", "InferenceRuntime", "cpu_has_native_bf16", "resolve_precision"]

#: ``precision`` options
PRECISIONS = ("auto", "fp32", "bf16")

Module = TypeVar("Module", bound=nn.Module)
Item = TypeVar("Item")


@functools.cache
def _cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where there is none, e.g. macOS, Windows)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX), where oneDNN's bf16 convs beat float32."""
    if torch.backends.cpu.get_cpu_capability() not in ("AVX512", "AMX"):
        return False
    return bool(_cpu_flags() & {"avx512_bf16", "amx_bf16"})


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"fp32"`` or ``"bf16"``: what ``precision`` means on ``device`` (see the module's docstring)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device.type == "cpu":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return "fp32"


def _prefers_channels_last(device: torch.device) -> bool:
    return device.type == "cuda" or (device.type == "cpu" and torch.backends.cpu.get_cpu_capability() in ("AVX512", "AMX"))


class InferenceRuntime:
    """The device, precision and memory format a model runs with, and the context every forward pass runs in.

    Args:
        device: where to run; ``None``: CUDA when available, else CPU.
        precision: ``"auto"``, ``"fp32"`` or ``"bf16"`` (see the module's docstring).
        batch_size: inputs per forward pass (at least 1).
    """

    def __init__(self, device: str | torch.device | None = None, precision: str = "auto", batch_size: int = 8) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.dtype = torch.bfloat16 if self.precision == "bf16" else torch.float32
        self.memory_format = torch.channels_last if _prefers_channels_last(self.device) else torch.contiguous_format
        self.batch_size = batch_size

    def prepare(self, module: Module) -> Module:
        """``module`` for inference: re-parametrizations folded, eval mode, no gradients, on the device, dtype and memory format.

        In bfloat16 a copy is cast, so the caller's module keeps its float32 weights.
        """
        if self.dtype != torch.float32:
            module = copy.deepcopy(module)
        prepared = fold(module).eval().requires_grad_(False)
        # torch's stubs type Module.to() as returning Module, not the subclass
        return prepared.to(self.device, self.dtype).to(memory_format=self.memory_format)  # type: ignore[return-value]

    def to_device(self, batch: Tensor) -> Tensor:
        """A 4-D float batch on the device, in the compute dtype and the memory format."""
        return batch.to(self.device, self.dtype, non_blocking=True).contiguous(memory_format=self.memory_format)

    @contextlib.contextmanager
    def forward(self) -> Iterator[None]:
        """The context of every forward pass: ``torch.inference_mode``."""
        with torch.inference_mode():
            yield

    def batches(self, items: Sequence[Item]) -> Iterator[Sequence[Item]]:
        """``items`` in consecutive slices of at most ``batch_size``."""
        for start in range(0, len(items), self.batch_size):
            yield items[start : start + self.batch_size]
