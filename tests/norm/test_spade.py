"""SPADE against a plain composition of its definition, with the official module names."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import stylesynth.norm as norm

from . import reference as ref


def _composed(layer: norm.SPADE, x: torch.Tensor, segmap: torch.Tensor, inner) -> torch.Tensor:
    conv = {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}[x.dim()]
    pad = layer.mlp_gamma.padding
    resized = F.interpolate(segmap, size=x.shape[2:], mode="nearest")
    hidden = torch.relu(conv(resized, layer.mlp_shared[0].weight, layer.mlp_shared[0].bias, padding=pad))
    gamma = conv(hidden, layer.mlp_gamma.weight, layer.mlp_gamma.bias, padding=pad)
    beta = conv(hidden, layer.mlp_beta.weight, layer.mlp_beta.bias, padding=pad)
    return inner(x) * (1 + gamma) + beta


@pytest.mark.parametrize("inner", ["instance", "batch", "sync_batch"])
@pytest.mark.parametrize("spatial_dims", [1, 2, 3])
def test_spade_matches_composition(inner, spatial_dims) -> None:
    size = {1: (12,), 2: (6, 8), 3: (4, 4, 6)}[spatial_dims]
    layer = norm.SPADE(5, label_nc=3, norm=inner, hidden_channels=7, kernel_size=3, spatial_dims=spatial_dims).double()
    x = torch.randn(2, 5, *size, dtype=torch.float64, requires_grad=True)
    segmap = torch.randn(2, 3, *[s * 2 for s in size], dtype=torch.float64)
    reference_inner = ref.instance_norm if inner == "instance" else lambda t: ref.batch_norm(t, None, None)
    expected = _composed(layer, x, segmap, reference_inner)
    out = layer(x, segmap)
    torch.testing.assert_close(out, expected)
    grad = torch.randn_like(out)
    (gx,) = torch.autograd.grad(out, x, grad, retain_graph=True)
    (gx_ref,) = torch.autograd.grad(expected, x, grad)
    torch.testing.assert_close(gx, gx_ref)


def test_spade_official_key_names_and_kernel_options() -> None:
    layer = norm.SPADE(16, label_nc=4, norm="batch", hidden_channels=32, kernel_size=5)
    keys = set(layer.state_dict())
    assert {
        "param_free_norm.running_mean", "param_free_norm.running_var", "param_free_norm.num_batches_tracked",
        "mlp_shared.0.weight", "mlp_shared.0.bias", "mlp_gamma.weight", "mlp_gamma.bias", "mlp_beta.weight", "mlp_beta.bias",
    } == keys
    assert layer.mlp_shared[0].weight.shape == (32, 4, 5, 5)
    assert set(norm.SPADE(16, 4).state_dict()) == keys - {k for k in keys if k.startswith("param_free_norm")}


def test_spade_resizes_map_with_nearest_neighbour_and_keeps_channels_last() -> None:
    layer = norm.SPADE(4, label_nc=2, hidden_channels=3)
    x = torch.randn(1, 4, 4, 4).contiguous(memory_format=torch.channels_last)
    segmap = torch.zeros(1, 2, 16, 16)
    segmap[:, 0, :8] = 1
    segmap[:, 1, 8:] = 1
    out = layer(x, segmap)
    assert out.is_contiguous(memory_format=torch.channels_last)
    direct = layer(x, F.interpolate(segmap, size=(4, 4), mode="nearest"))
    torch.testing.assert_close(out, direct)


def test_spade_gradcheck() -> None:
    layer = norm.SPADE(3, label_nc=2, hidden_channels=4).double()
    x = torch.randn(2, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    segmap = torch.randn(2, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (x, segmap))
