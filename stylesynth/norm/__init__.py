"""stylesynth.norm: the in-layer normalization methods of the field, as tested, fast layers.

Layers (built by name with :func:`build`)::

    batch, sync_batch, batch_renorm, layer, instance, group, rms, filter_response,
    adain, conditional_instance, spade, clade

Modulated by a network input (built directly)::

    CodeConditionalInstanceNorm (gamma and beta from a style code)

Weight re-parametrizations (applied to a module, folded away with :func:`fold`)::

    weight_norm, weight_standardization (and WSConv2d), spectral_norm

Every layer takes ``(N, C, *)`` and keeps the input's memory format. Pure functions are in
:mod:`stylesynth.norm.functional`.
"""

from . import functional
from .adain import AdaIN
from .batch import BatchNorm
from .batch_renorm import BatchRenorm
from .clade import CLADE
from .conditional_instance import CodeConditionalInstanceNorm, ConditionalInstanceNorm
from .filter_response import FilterResponseNorm
from .fold import fold
from .group import GroupNorm, LayerNorm
from .instance import InstanceNorm
from .registry import apply_weight, build, canonical_name, get_layer_class, names, register, register_weight
from .rms import RMSNorm
from .spade import SPADE
from .spectral_norm import spectral_norm
from .sync_batch import SyncBatchNorm, convert_sync_batchnorm
from .weight_norm import weight_norm
from .weight_standardization import WSConv2d, weight_standardization

__all__ = [
    "AdaIN",
    "BatchNorm",
    "BatchRenorm",
    "CLADE",
    "CodeConditionalInstanceNorm",
    "ConditionalInstanceNorm",
    "FilterResponseNorm",
    "GroupNorm",
    "InstanceNorm",
    "LayerNorm",
    "RMSNorm",
    "SPADE",
    "SyncBatchNorm",
    "WSConv2d",
    "apply_weight",
    "build",
    "canonical_name",
    "convert_sync_batchnorm",
    "fold",
    "functional",
    "get_layer_class",
    "names",
    "register",
    "register_weight",
    "spectral_norm",
    "weight_norm",
    "weight_standardization",
]
