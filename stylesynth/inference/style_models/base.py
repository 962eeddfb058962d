"""What every style-transfer model family gives the :class:`~stylesynth.inference.Stylizer`.

A family turns a style into a *code* (from a style image, or from one of its built-in presets) and
renders a content batch with the codes of one or more styles, their mixing weights, optional
per-pixel masks and a strength ``alpha``. The :class:`Stylizer` does everything around it —
argument checks, resizing, colour preservation, batching, the code cache, precision — so it, the
video code, the CLI and the app have no per-family branches.

What a code is belongs to the family: AdaIN's per-channel feature statistics, Magenta's 100-d
style vector, the 26-style network's preset weights. Codes are computed on the device, inside
the Stylizer's inference context, and may be cached and reused for any content.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

from torch import Tensor, nn

__all__ = ["Code", "StyleModel"]

#: A family's style code (tensors on the device); opaque to the Stylizer.
Code = Any


class StyleModel(ABC):
    """One family's style codes and rendering, around a network already prepared for inference.

    Class attributes:
        kinds: the checkpoint kinds (``config.json``'s ``"kind"``) this family renders.
        description: what the family is, for ``stylesynth info`` and the app.
        takes_images: whether styles may be images (else only preset indices).
        min_size, style_min_size: the smallest side, in pixels, of a content and of a style image.
    """

    kinds: ClassVar[tuple[str, ...]]
    description: ClassVar[str]
    takes_images: ClassVar[bool] = True
    min_size: ClassVar[int] = 16
    style_min_size: ClassVar[int] = 16

    def __init__(self, network: nn.Module) -> None:
        self.network = network

    # ---- what the family offers ------------------------------------------------------------

    @property
    def num_presets(self) -> int:
        """Built-in styles addressed by index ``0 .. num_presets - 1``; 0 when styles are images."""
        return 0


    @property
    def cache_settings(self) -> tuple[Hashable, ...]:
        """Settings a cached code depends on besides the style's pixels (the family's own options)."""
        return ()

    @classmethod
    def wants_fp32(cls, network: nn.Module) -> bool:
        """Whether ``precision="auto"`` must mean float32 for this network (a mode kept for exact numbers)."""
        return False

    # ---- codes and rendering ---------------------------------------------------------------

    @abstractmethod
    def image_code(self, style: Tensor) -> Code:
        """The code of a ``(N, 3, H, W)`` style batch in [0, 1] (on the device, in the compute dtype)."""

    def preset_code(self, index: int) -> Code:
        """The code of built-in style ``index`` (only families with :attr:`num_presets` > 0)."""
        raise ValueError(f"this model has no presets (it takes style images), got preset {index}")

    @abstractmethod
    def render(self, content: Tensor, codes: Sequence[Code], weights: Sequence[float], masks: Tensor | None, alpha: float) -> Tensor:
        """The stylized ``content`` batch ``(N, 3, H, W)`` in [0, 1] (values may overshoot; the caller clamps).

        Args:
            content: ``(N, 3, H, W)`` on the device, in the compute dtype and memory format.
            codes: one code per style, each for 1 or N samples.
            weights: one non-negative weight per style, summing to 1 (used without masks).
            masks: ``None``, or ``(N or 1, K, H, W)`` float in [0, 1], one channel per style: where each style goes
                (where no mask is set the Stylizer composites the content's own pixels back afterwards).
            alpha: the style's strength in [0, 1]; 0 gives the content back as the family draws it.
        """
