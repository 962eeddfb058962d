"""The papers' formulas written out plainly in float64: the ground truth the layers are checked against.

Nothing here calls stylesynth.norm.functional or a torch normalization op.
"""

from __future__ import annotations

import torch
from torch import Tensor


def per_channel(v: Tensor | None, x: Tensor) -> Tensor | None:
    if v is None:
        return None
    return v.double().reshape((1, -1) + (1,) * (x.dim() - 2))


def affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    if weight is not None:
        y = y * per_channel(weight, y)
    if bias is not None:
        y = y + per_channel(bias, y)
    return y


def normalize_over(x: Tensor, dims: tuple[int, ...], eps: float) -> Tensor:
    """(x - mean) / sqrt(biased var + eps), statistics over ``dims``, computed as sums."""
    count = 1
    for d in dims:
        count *= x.shape[d]
    mean = x.sum(dim=dims, keepdim=True) / count
    var = ((x - mean) ** 2).sum(dim=dims, keepdim=True) / count
    return (x - mean) / torch.sqrt(var + eps)


def spatial(x: Tensor) -> tuple[int, ...]:
    return tuple(range(2, x.dim()))


def batch_norm(x, weight, bias, eps=1e-5):
    return affine(normalize_over(x, (0,) + spatial(x), eps), weight, bias)


def batch_norm_eval(x, running_mean, running_var, weight, bias, eps=1e-5):
    return affine((x - per_channel(running_mean, x)) / torch.sqrt(per_channel(running_var, x) + eps), weight, bias)


def running_update(x, running_mean, running_var, momentum):
    """(new_mean, new_var): moving averages with the unbiased batch variance."""
    dims = (0,) + spatial(x)
    count = x.numel() // x.shape[1]
    mean = x.sum(dims) / count
    unbiased = ((x - per_channel(mean, x)) ** 2).sum(dims) / (count - 1)
    return (1 - momentum) * running_mean.double() + momentum * mean, (1 - momentum) * running_var.double() + momentum * unbiased


def instance_norm(x, weight=None, bias=None, eps=1e-5):
    return affine(normalize_over(x, spatial(x), eps), weight, bias)


def group_norm(x, groups, weight=None, bias=None, eps=1e-5):
    n, c = x.shape[:2]
    grouped = x.reshape(n, groups, -1)
    y = normalize_over(grouped, (2,), eps).reshape(x.shape)
    return affine(y, weight, bias)


def layer_norm(x, weight=None, bias=None, eps=1e-5):
    return affine(normalize_over(x, tuple(range(1, x.dim())), eps), weight, bias)


def rms_norm(x, weight=None, eps=1e-5):
    dims = tuple(range(1, x.dim()))
    count = x[0].numel()
    mean_square = (x * x).sum(dim=dims, keepdim=True) / count
    return affine(x / torch.sqrt(mean_square + eps), weight, None)


def filter_response_norm(x, weight, bias, tau, eps=1e-6):
    count = x[0, 0].numel()
    nu2 = (x * x).sum(dim=spatial(x), keepdim=True) / count
    eps_term = per_channel(eps.abs(), x) if isinstance(eps, Tensor) else abs(eps)
    y = affine(x / torch.sqrt(nu2 + eps_term), weight, bias)
    return y if tau is None else torch.maximum(y, per_channel(tau, x).expand_as(y))


def batch_renorm(x, running_mean, running_var, weight, bias, eps, r_max, d_max):
    dims = (0,) + spatial(x)
    count = x.numel() // x.shape[1]
    mean = x.sum(dim=dims, keepdim=True) / count
    std = torch.sqrt(((x - mean) ** 2).sum(dim=dims, keepdim=True) / count + eps)
    running_std = torch.sqrt(per_channel(running_var, x) + eps)
    r = (std / running_std).detach().clamp(1 / r_max, r_max)
    d = ((mean - per_channel(running_mean, x)) / running_std).detach().clamp(-d_max, d_max)
    return affine((x - mean) / std * r + d, weight, bias)


def mean_std(x, eps=1e-5, unbiased=False):
    dims = spatial(x)
    count = x[0, 0].numel()
    mean = x.sum(dim=dims, keepdim=True) / count
    var = ((x - mean) ** 2).sum(dim=dims, keepdim=True) / (count - int(unbiased))
    return mean, torch.sqrt(var + eps)


def adain(content, style, eps=1e-5, unbiased=False):
    c_mean, c_std = mean_std(content, eps, unbiased)
    s_mean, s_std = mean_std(style, eps, unbiased)
    return s_std * (content - c_mean) / c_std + s_mean


def standardize(weight, eps=1e-5):
    dims = tuple(range(1, weight.dim()))
    count = weight[0].numel()
    mean = weight.sum(dim=dims, keepdim=True) / count
    var = ((weight - mean) ** 2).sum(dim=dims, keepdim=True) / count
    return (weight - mean) / torch.sqrt(var + eps)


def region_offsets(labels):
    """CLADE-ICPE's positional map by flood fill, pixel by pixel: per connected same-class region
    (neighbours within 1 on every axis), each pixel's offset from the region's mean coordinate divided
    by the region's largest absolute offset on that axis plus 1e-5. ``labels``: (N, *) ints -> (N, D, *)."""
    import itertools

    n, spatial = labels.shape[0], tuple(labels.shape[1:])
    out = torch.zeros((n, len(spatial)) + spatial, dtype=torch.float64)
    steps = [s for s in itertools.product((-1, 0, 1), repeat=len(spatial)) if any(s)]
    for b in range(n):
        grid = labels[b].tolist()

        def at(p, grid=grid):
            value = grid
            for i in p:
                value = value[i]
            return value

        seen = set()
        for start in itertools.product(*[range(s) for s in spatial]):
            if start in seen:
                continue
            region, stack = [], [start]
            seen.add(start)
            while stack:
                p = stack.pop()
                region.append(p)
                for step in steps:
                    q = tuple(a + d for a, d in zip(p, step))
                    if all(0 <= a < s for a, s in zip(q, spatial)) and q not in seen and at(q) == at(start):
                        seen.add(q)
                        stack.append(q)
            for axis in range(len(spatial)):
                centre = sum(p[axis] for p in region) / len(region)
                reach = max(abs(p[axis] - centre) for p in region)
                for p in region:
                    out[(b, axis) + p] = (p[axis] - centre) / (reach + 1e-5)
    return out


def clade(x, onehot, weight, bias, inner, positional=None, conv_gamma=None, conv_beta=None):
    """CLADE written out: the inner norm, then gamma and beta as the one-hot map times the class tables
    (a 1x1 convolution, not a gather), optionally scaled by 1 + a 1x1 conv of the positional map."""
    gamma = torch.einsum("nk...,kc->nc...", onehot.double(), weight.double())
    beta = torch.einsum("nk...,kc->nc...", onehot.double(), bias.double())
    if positional is not None:
        def conv(layer):
            w = layer.weight.double().reshape(-1)
            return torch.einsum("nd...,d->n...", positional.double(), w).unsqueeze(1) + layer.bias.double()

        gamma = gamma * (1 + conv(conv_gamma))
        beta = beta * (1 + conv(conv_beta))
    return inner(x) * gamma + beta
