"""Where inference runs: the device a user asked for, or CUDA when available, else the CPU."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` as a ``torch.device``; ``None`` picks ``cuda`` when available, else ``cpu``.

    An unknown device name, a device type other than ``cpu`` and ``cuda`` (``mps``, ``xpu``,
    ``meta``, ...: not supported), or CUDA asked for where there is none, is a ``ValueError`` saying
    what is accepted.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device {str(device)!r} is not a device name; accepted: 'cpu', 'cuda' or 'cuda:N'") from None
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"device {str(resolved)!r} is not supported; accepted: 'cpu', 'cuda' or 'cuda:N'")
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {str(resolved)!r} was asked for, but CUDA is not available here; use 'cpu'")
    return resolved
