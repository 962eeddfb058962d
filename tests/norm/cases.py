"""Layers under test, each with a builder and its float64 reference (see reference.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

import stylesynth.norm as norm

from . import reference as ref


def randomize_parameters(module: nn.Module, seed: int = 1) -> nn.Module:
    """Replaces the ones/zeros initialization by random values so the affine is really tested."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.endswith("eps"):
                continue
            param.copy_(torch.randn(param.shape, generator=generator) * 0.5 + (1.0 if name.endswith("weight") else 0.0))
    return module


def p64(t: Tensor | None) -> Tensor | None:
    return None if t is None else t.double()


@dataclass
class Case:
    name: str
    build: Callable[[int], nn.Module]
    reference: Callable[[Tensor, nn.Module], Tensor]
    per_sample: bool  # statistics of one sample only: batch 1 is as good as any
    needs_spatial: bool  # statistics over spatial positions only: 1x1 is undefined

    def __repr__(self) -> str:
        return self.name


def _frn(C: int) -> nn.Module:
    module = randomize_parameters(norm.FilterResponseNorm(C, eps=1e-3))
    with torch.no_grad():
        module.tau.copy_(torch.linspace(-0.5, 0.5, C))
    return module


CASES = [
    Case("batch", lambda C: randomize_parameters(norm.BatchNorm(C)),
         lambda x, m: ref.batch_norm(x, p64(m.weight), p64(m.bias), m.eps), False, False),
    Case("batch_no_affine", lambda C: norm.BatchNorm(C, affine=False),
         lambda x, m: ref.batch_norm(x, None, None, m.eps), False, False),
    Case("sync_batch_single_process", lambda C: randomize_parameters(norm.SyncBatchNorm(C)),
         lambda x, m: ref.batch_norm(x, p64(m.weight), p64(m.bias), m.eps), False, False),
    Case("instance", lambda C: norm.InstanceNorm(C),
         lambda x, m: ref.instance_norm(x, eps=m.eps), True, True),
    Case("instance_affine", lambda C: randomize_parameters(norm.InstanceNorm(C, affine=True)),
         lambda x, m: ref.instance_norm(x, p64(m.weight), p64(m.bias), m.eps), True, True),
    Case("group_3", lambda C: randomize_parameters(norm.GroupNorm(C, groups=3)),
         lambda x, m: ref.group_norm(x, 3, p64(m.weight), p64(m.bias), m.eps), True, False),
    Case("group_per_channel", lambda C: randomize_parameters(norm.GroupNorm(C, groups=C)),
         lambda x, m: ref.group_norm(x, x.shape[1], p64(m.weight), p64(m.bias), m.eps), True, True),
    Case("layer", lambda C: randomize_parameters(norm.LayerNorm(C)),
         lambda x, m: ref.layer_norm(x, p64(m.weight), p64(m.bias), m.eps), True, False),
    Case("layer_no_affine", lambda C: norm.LayerNorm(C, affine=False),
         lambda x, m: ref.layer_norm(x, eps=m.eps), True, False),
    Case("rms", lambda C: randomize_parameters(norm.RMSNorm(C)),
         lambda x, m: ref.rms_norm(x, p64(m.weight), m.eps), True, False),
    Case("filter_response", _frn,
         lambda x, m: ref.filter_response_norm(x, p64(m.weight), p64(m.bias), p64(m.tau), m.eps), True, False),
    Case("filter_response_learnable_eps", lambda C: randomize_parameters(norm.FilterResponseNorm(C, learnable_eps=True, tlu=False)),
         lambda x, m: ref.filter_response_norm(x, p64(m.weight), p64(m.bias), None, p64(m.eps)), True, False),
    Case("batch_renorm", lambda C: _batch_renorm(C),
         lambda x, m: ref.batch_renorm(x, m.running_mean, m.running_var, p64(m.weight), p64(m.bias), m.eps, m.r_max, m.d_max),
         False, False),
]


def _batch_renorm(C: int) -> nn.Module:
    """Running statistics far from the batch's, so that r and d are clipped for some channels."""
    module = randomize_parameters(norm.BatchRenorm(C, momentum=0.0, r_max=1.5, d_max=0.5))
    module.running_mean.copy_(torch.linspace(-1.0, 1.0, C))
    module.running_var.copy_(torch.linspace(0.2, 3.0, C))
    return module


CASES_BY_NAME = {case.name: case for case in CASES}
