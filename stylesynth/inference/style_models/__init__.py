"""Style-transfer model families behind one :class:`~stylesynth.inference.Stylizer` (see :mod:`.base`)."""

from __future__ import annotations

from torch import nn

from ...io import CheckpointError
from .adain import AdaINStyle
from .base import Code, StyleModel
from .magenta import MagentaArbitraryStyle, MagentaPresetStyle

__all__ = ["FAMILIES", "STYLE_KINDS", "AdaINStyle", "Code", "MagentaArbitraryStyle", "MagentaPresetStyle", "StyleModel", "family_of", "family_of_kind"]

#: every style family, in the order listings show them
FAMILIES: tuple[type[StyleModel], ...] = (MagentaArbitraryStyle, AdaINStyle, MagentaPresetStyle)
#: the checkpoint kinds a Stylizer loads
STYLE_KINDS: tuple[str, ...] = tuple(kind for family in FAMILIES for kind in family.kinds)


def family_of(network: nn.Module) -> type[StyleModel]:
    """The family that renders ``network`` (by its ``KIND``); anything else is a :class:`CheckpointError`."""
    return family_of_kind(getattr(network, "KIND", None))


def family_of_kind(kind: object) -> type[StyleModel]:
    """The family that renders checkpoints of ``kind``; anything else is a :class:`CheckpointError`."""
    for family in FAMILIES:
        if kind in family.kinds:
            return family
    raise CheckpointError(f"a {kind!r} network is not a style-transfer model (style kinds: {', '.join(STYLE_KINDS)})")
