"""Layers with a torch.nn counterpart give torch's numbers (where torch is right) and load its state dicts."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import stylesynth.norm as norm

from . import reference as ref


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
def test_batch_norm_matches_torch_over_training_steps_and_eval(momentum, layout) -> None:
    ours, theirs = norm.BatchNorm(5, momentum=momentum), nn.BatchNorm2d(5, momentum=momentum)
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    for step in range(3):
        x = (torch.randn(4, 5, 6, 3) * (step + 1) + step).contiguous(memory_format=fmt)
        torch.testing.assert_close(ours(x), theirs(x))
    torch.testing.assert_close(ours.running_mean, theirs.running_mean)
    torch.testing.assert_close(ours.running_var, theirs.running_var)
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 3
    ours.eval(), theirs.eval()
    x = torch.randn(2, 5, 3, 3)
    torch.testing.assert_close(ours(x), theirs(x))


def test_batch_norm_running_statistics_follow_formula() -> None:
    layer = norm.BatchNorm(4, momentum=0.3)
    x = torch.randn(3, 4, 5, 5, dtype=torch.float64)
    expected_mean, expected_var = ref.running_update(x, torch.zeros(4), torch.ones(4), 0.3)
    layer.double()(x)
    torch.testing.assert_close(layer.running_mean, expected_mean)
    torch.testing.assert_close(layer.running_var, expected_var)
    layer.eval()
    torch.testing.assert_close(layer(x), ref.batch_norm_eval(x, expected_mean, expected_var, layer.weight, layer.bias))


def test_batch_norm_without_running_stats_uses_batch_stats_in_eval() -> None:
    layer = norm.BatchNorm(3, track_running_stats=False).eval()
    x = torch.randn(4, 3, 2, 2, dtype=torch.float64)
    torch.testing.assert_close(layer.double()(x), ref.batch_norm(x, None, None))
    assert "running_mean" not in layer.state_dict()


def test_batch_norm_loads_torch_state_dict_and_old_checkpoints_without_counter() -> None:
    theirs = nn.BatchNorm2d(6)
    theirs(torch.randn(4, 6, 3, 3))
    ours = norm.BatchNorm(6)
    ours.load_state_dict(theirs.state_dict())
    assert set(ours.state_dict()) == set(theirs.state_dict())
    old = {k: v for k, v in theirs.state_dict().items() if k != "num_batches_tracked"}
    norm.BatchNorm(6).load_state_dict(old)  # strict: must not complain about the missing counter


@pytest.mark.parametrize("track", [False, True])
def test_instance_norm_matches_torch(track) -> None:
    ours = norm.InstanceNorm(4, affine=True, track_running_stats=track)
    theirs = nn.InstanceNorm2d(4, affine=True, track_running_stats=track)
    theirs.load_state_dict(ours.state_dict())
    for _ in range(2):
        x = torch.randn(3, 4, 5, 6) * 2 + 1
        torch.testing.assert_close(ours(x), theirs(x))
    if track:
        torch.testing.assert_close(ours.running_mean, theirs.running_mean)
        torch.testing.assert_close(ours.running_var, theirs.running_var)
    ours.eval(), theirs.eval()
    x = torch.randn(2, 4, 3, 3)
    torch.testing.assert_close(ours(x), theirs(x))


def test_instance_norm_is_right_where_torch_is_wrong() -> None:
    """torch 2.14.1's F.instance_norm returns wrong CPU input gradients for channels_last batch-1
    input with a channels_last gradient; ours matches the float64 formula."""
    x64 = torch.randn(1, 8, 2, 2, dtype=torch.float64, requires_grad=True)
    grad64 = torch.randn(1, 8, 2, 2, dtype=torch.float64)
    ref.instance_norm(x64).backward(grad64)
    x = x64.detach().float().contiguous(memory_format=torch.channels_last).requires_grad_()
    out = norm.InstanceNorm(8)(x)
    out.backward(grad64.float().contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(x.grad.double(), x64.grad, atol=1e-5, rtol=1e-5)
    assert out.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("groups", [1, 2, 6])
def test_group_norm_matches_torch(groups) -> None:
    ours, theirs = norm.GroupNorm(6, groups=groups), nn.GroupNorm(groups, 6)
    with torch.no_grad():
        theirs.weight.normal_(), theirs.bias.normal_()
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 6, 4, 5)
    torch.testing.assert_close(ours(x), theirs(x))


def test_layer_and_rms_norm_without_affine_match_torch_functionals() -> None:
    x = torch.randn(3, 4, 5, 2)
    torch.testing.assert_close(norm.LayerNorm(4, affine=False)(x), F.layer_norm(x, x.shape[1:], eps=1e-5))
    torch.testing.assert_close(norm.RMSNorm(4, affine=False)(x), F.rms_norm(x, x.shape[1:], eps=1e-5))


def test_layer_norm_per_channel_affine_is_not_per_element() -> None:
    layer = norm.LayerNorm(3)
    assert layer.weight.shape == (3,)
    y = layer(torch.randn(2, 3, 7, 9))  # any spatial size works
    assert y.shape == (2, 3, 7, 9)
