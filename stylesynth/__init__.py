"""stylesynth: arbitrary style transfer (AdaIN) and semantic image synthesis (SPADE).

``from stylesynth import Stylizer, Synthesizer`` loads the inference API lazily, so that
``import stylesynth.norm`` stays light.
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {"Stylizer": "stylesynth.inference", "Synthesizer": "stylesynth.inference"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'stylesynth' has no attribute {name!r}")


__all__ = ["Stylizer", "Synthesizer", "__version__"]
