"""Runs SyncBatchNorm on one rank of a 2-process gloo group (started by test_sync_batch.py)."""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

import stylesynth.norm as norm

# (name, per-rank batch sizes, per-sample shape after the channel axis, memory format)
SCENARIOS = [
    ("uneven", (3, 2), (4, 5), "contiguous"),
    ("empty_rank", (4, 0), (3, 3), "contiguous"),
    ("channels_last", (2, 3), (5, 4), "channels_last"),
    ("one_pixel_each", (1, 1), (1, 1), "contiguous"),
    ("vectors", (5, 3), (), "contiguous"),
]
CHANNELS = 6


def scenario_tensors(sizes, spatial):
    """The global batch, its output gradient, and the layer's initial parameters (same on every rank)."""
    generator = torch.Generator().manual_seed(123)
    total = sum(sizes)
    x = torch.randn((total, CHANNELS) + spatial, generator=generator) * 2 + 0.5
    grad = torch.randn((total, CHANNELS) + spatial, generator=generator)
    weight = torch.randn(CHANNELS, generator=generator)
    bias = torch.randn(CHANNELS, generator=generator)
    return x, grad, weight, bias


def run_rank(rank: int, world_size: int, folder: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{folder}/store", rank=rank, world_size=world_size)
    torch.set_num_threads(1)
    results = {}
    for name, sizes, spatial, layout in SCENARIOS:
        x, grad, weight, bias = scenario_tensors(sizes, spatial)
        start = sum(sizes[:rank])
        local_x = x[start : start + sizes[rank]].clone()
        local_grad = grad[start : start + sizes[rank]].clone()
        if layout == "channels_last":
            local_x = local_x.contiguous(memory_format=torch.channels_last)
            local_grad = local_grad.contiguous(memory_format=torch.channels_last)
        layer = norm.SyncBatchNorm(CHANNELS, momentum=0.2)
        with torch.no_grad():
            layer.weight.copy_(weight), layer.bias.copy_(bias)
        local_x.requires_grad_()
        out = layer(local_x)
        out.backward(local_grad)
        results[name] = {
            "out": out.detach(),
            "channels_last": out.is_contiguous(memory_format=torch.channels_last) if out.dim() == 4 else None,
            "grad_x": local_x.grad,
            "grad_weight": layer.weight.grad,
            "grad_bias": layer.bias.grad,
            "running_mean": layer.running_mean,
            "running_var": layer.running_var,
        }
    # Too few values over all ranks: every rank gets the same clear error.
    try:
        norm.SyncBatchNorm(CHANNELS)(torch.randn(1 - rank, CHANNELS, 1, 1))
        results["too_few"] = "no error"
    except ValueError as error:
        results["too_few"] = str(error)
    # Converting a torch model keeps its state and then synchronizes.
    model = torch.nn.Sequential(torch.nn.Conv2d(3, CHANNELS, 1), torch.nn.BatchNorm2d(CHANNELS))
    converted = norm.convert_sync_batchnorm(model)
    results["converted_type"] = type(converted[1]).__name__
    torch.save(results, os.path.join(folder, f"rank{rank}.pt"))
    dist.destroy_process_group()
