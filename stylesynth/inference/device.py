"""Where inference runs: the device a user asked for, or CUDA when available, else the CPU."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` as a ``torch.device``; ``None`` picks ``cuda`` when available, else ``cpu``.

    An unknown device name, or CUDA asked for where there is none, is a ``ValueError`` saying what
    is accepted.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device: {error}; expected e.g. 'cpu', 'cuda' or 'cuda:1'") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {str(resolved)!r} was asked for, but CUDA is not available here; use 'cpu'")
    return resolved
