"""What :class:`Stylizer` and :class:`Synthesizer` share: device, precision, memory format, inference mode, batching.

Conventions of both (see ``docs/architecture.md``):

- ``device``: ``None`` picks CUDA when available, else the CPU (:func:`resolve_device`).
- ``precision``: ``"auto"`` (default) runs the networks in bfloat16 where the hardware does
  bfloat16 natively (a CUDA GPU with bf16, a CPU with AVX512-BF16 or AMX); on a CPU without native
  bfloat16 but with VNNI int8 dot products (AVX512-VNNI or AVX-VNNI) it runs an AdaIN network in
  int8 when int8 ranges are stored for its weights (written only for weights whose int8 error was
  measured within 2 8-bit levels; the bundled ``adain-default`` has none, ``bench/results/adain-cpu-vnni.md``);
  float32 elsewhere.
  ``"fp32"`` is exact float32 everywhere; ``"bf16"`` asks for bfloat16; ``"int8"`` asks for int8
  (CPU only, AdaIN networks only, :mod:`stylesynth.inference.int8`; a network without stored
  ranges is calibrated on the shipped calibration set at load). In bfloat16 the weights are
  cast once at load and the activations are bfloat16 (faster than autocast, which casts every
  weight on every call); in int8 the convs are quantized once at load. Statistics (AdaIN's means
  and standard deviations, norms' statistics) are computed in float32, and outputs are float32.
- memory format: channels_last on CUDA and on CPUs with AVX-512 (measured faster for these conv
  nets), and always in int8 (the quantized convs' own layout); contiguous elsewhere.
- every forward pass runs under ``torch.inference_mode`` on networks in eval mode with gradients
  off and weight re-parametrizations folded; a model is loaded once and called from many threads.
- inputs go through in batches of at most ``batch_size``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import torch
from torch import Tensor, nn

from ..norm import fold
from .device import resolve_device

__all__ = ["PRECISIONS", "InferenceRuntime", "cpu_has_native_bf16", "cpu_has_vnni", "cpu_prefers_int8", "resolve_precision"]

#: ``precision`` options
PRECISIONS = ("auto", "fp32", "bf16", "int8")

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


#: oneDNN ISA caps (``ONEDNN_MAX_CPU_ISA`` / ``DNNL_MAX_CPU_ISA``) below AVX512_CORE_BF16: no native bfloat16 for its convs
_ISA_CAPS_WITHOUT_BF16 = frozenset({"SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI"})


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX), where oneDNN's bf16 convs beat float32.

    ``False`` also where oneDNN is capped below AVX512_CORE_BF16 by ``ONEDNN_MAX_CPU_ISA`` (or its
    older name ``DNNL_MAX_CPU_ISA``), as its convs then run without those instructions.
    """
    cap = (os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "").strip().upper()
    if cap in _ISA_CAPS_WITHOUT_BF16:
        return False
    if torch.backends.cpu.get_cpu_capability() not in ("AVX512", "AMX"):
        return False
    return bool(_cpu_flags() & {"avx512_bf16", "amx_bf16"})


def cpu_has_vnni() -> bool:
    """Whether this CPU has VNNI int8 dot products (AVX512-VNNI or AVX-VNNI), which torch's x86 quantized convs use."""
    return bool(_cpu_flags() & {"avx512_vnni", "avx_vnni"})


def cpu_prefers_int8() -> bool:
    """Whether ``precision="auto"`` runs an AdaIN network with stored int8 ranges in int8 on this CPU.

    Where int8 was measured faster than the alternative at a bounded error: no native bfloat16
    (that path is faster still, ``bench/results/roofline-cpu.md``), VNNI, and a quantized x86 engine in this torch.
    """
    from .int8 import int8_engine

    return not cpu_has_native_bf16() and cpu_has_vnni() and int8_engine() is not None


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"fp32"``, ``"bf16"`` or ``"int8"``: what ``precision`` means on ``device`` (see the module's docstring).

    ``"auto"`` resolves to ``"bf16"`` or ``"fp32"`` here; where :func:`cpu_prefers_int8`,
    :meth:`InferenceRuntime.prepare` then runs an AdaIN network with stored int8 ranges in int8.
    ``"int8"`` off the CPU is a ``ValueError``.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "int8":
        from .int8 import check_int8_device

        check_int8_device(device)
        return precision
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device.type == "cpu":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return "fp32"


def _prefers_channels_last(device: torch.device, precision: str) -> bool:
    if precision == "int8":
        return True
    return device.type == "cuda" or (device.type == "cpu" and torch.backends.cpu.get_cpu_capability() in ("AVX512", "AMX"))


class InferenceRuntime:
    """The device, precision and memory format a model runs with, and the context every forward pass runs in.

    Args:
        device: where to run; ``None``: CUDA when available, else CPU.
        precision: ``"auto"``, ``"fp32"``, ``"bf16"`` or ``"int8"`` (see the module's docstring). With
            ``"auto"``, whether int8 applies is decided by :meth:`prepare`, which knows the network;
            :attr:`precision` then says what runs.
        batch_size: inputs per forward pass (at least 1).
    """

    def __init__(self, device: str | torch.device | None = None, precision: str = "auto", batch_size: int = 8) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self._auto = precision == "auto"
        self.dtype = torch.bfloat16 if self.precision == "bf16" else torch.float32
        self._set_memory_format()
        self.batch_size = batch_size

    def _set_memory_format(self) -> None:
        self.memory_format = torch.channels_last if _prefers_channels_last(self.device, self.precision) else torch.contiguous_format

    def prepare(self, module: Module) -> Module:
        """``module`` for inference: re-parametrizations folded, eval mode, no gradients, on the device, dtype and memory format.

        In bfloat16 a copy is cast, so the caller's module keeps its float32 weights. In int8
        (:mod:`stylesynth.inference.int8`) a copy's convs are quantized; a network without an int8
        path is a ``ValueError``. With ``precision="auto"`` on a CPU where :func:`cpu_prefers_int8`,
        a network with stored int8 ranges is quantized and :attr:`precision` becomes ``"int8"``.
        """
        if self._auto and self.precision == "fp32" and self.device.type == "cpu" and cpu_prefers_int8():
            from .int8 import quantize_for_inference, supports_int8

            if supports_int8(module):
                quantized = quantize_for_inference(fold(module).eval().requires_grad_(False), calibrate_if_missing=False)
                if quantized is not None:
                    self.precision = "int8"
                    self._set_memory_format()
                    return quantized.to(memory_format=self.memory_format)  # type: ignore[return-value]
        if self.precision == "int8":
            from .int8 import quantize_for_inference

            quantized = quantize_for_inference(fold(module).eval().requires_grad_(False).float().cpu())
            assert quantized is not None
            return quantized.to(memory_format=self.memory_format)  # type: ignore[return-value]
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
