"""Folding weight re-parametrizations into plain weights for inference."""

from __future__ import annotations

import torch
from torch import nn

from . import functional as Fn
from ._reparametrization import reparametrizations
from .weight_standardization import WSConv2d


def _plain_conv(conv: WSConv2d) -> nn.Conv2d:
    if reparametrizations(conv):
        raise ValueError("fold: a WSConv2d with a further weight re-parametrization is not supported")
    plain = nn.Conv2d(
        conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
        conv.groups, conv.bias is not None, conv.padding_mode, device=conv.weight.device, dtype=conv.weight.dtype,
    )
    with torch.no_grad():
        plain.weight.copy_(Fn.standardize_weight(conv.weight, conv.eps))
        if conv.bias is not None:
            plain.bias.copy_(conv.bias)
    return plain.train(conv.training)


def fold(module: nn.Module) -> nn.Module:
    """Turns every weight re-parametrization in ``module`` into the plain weight it computes.

    Weight norm, spectral norm (with its stored ``u``, ``v``, as in eval mode) and weight
    standardization hooks are removed and their weights become ordinary parameters; each
    :class:`WSConv2d` becomes an ``nn.Conv2d``. The folded module gives the same outputs in eval mode
    and costs nothing extra per forward. Works in place; returns the module (a new one only when
    ``module`` itself is a ``WSConv2d``).
    """
    if isinstance(module, WSConv2d):
        return _plain_conv(module)
    for hook in reparametrizations(module):
        hook.fold(module)
    for name, child in module.named_children():
        folded = fold(child)
        if folded is not child:
            setattr(module, name, folded)
    return module
