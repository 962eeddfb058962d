"""Batch renormalization: running statistics, eval mode, and its batch-norm limit."""

from __future__ import annotations

import torch
from torch import nn

import stylesynth.norm as norm

from . import reference as ref


def test_batch_renorm_with_r_max_1_and_d_max_0_is_batch_norm() -> None:
    ours = norm.BatchRenorm(4, momentum=0.1, r_max=1.0, d_max=0.0)
    theirs = nn.BatchNorm2d(4, momentum=0.1)
    for _ in range(3):
        x = torch.randn(5, 4, 3, 3) * 3 + 1
        torch.testing.assert_close(ours(x), theirs(x))
    torch.testing.assert_close(ours.running_mean, theirs.running_mean)
    torch.testing.assert_close(ours.running_var, theirs.running_var)


def test_batch_renorm_running_statistics_and_eval_follow_formula() -> None:
    layer = norm.BatchRenorm(3, momentum=0.25).double()
    x = torch.randn(6, 3, 4, 4, dtype=torch.float64) * 2 - 1
    expected_mean, expected_var = ref.running_update(x, torch.zeros(3), torch.ones(3), 0.25)
    layer(x)
    torch.testing.assert_close(layer.running_mean, expected_mean)
    torch.testing.assert_close(layer.running_var, expected_var)
    layer.eval()
    y = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    torch.testing.assert_close(layer(y), ref.batch_norm_eval(y, expected_mean, expected_var, layer.weight, layer.bias))
