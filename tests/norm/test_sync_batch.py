"""SyncBatchNorm across 2 real CPU processes (gloo) equals one batch norm over the concatenated batch."""

from __future__ import annotations

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn

import stylesynth.norm as norm

from .sync_batch_worker import CHANNELS, SCENARIOS, run_rank, scenario_tensors


@pytest.fixture(scope="module")
def rank_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sync_batch")
    mp.spawn(run_rank, args=(2, str(folder)), nprocs=2, join=True)
    return [torch.load(folder / f"rank{rank}.pt") for rank in range(2)]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s[0])
def test_two_ranks_equal_single_process_batch_norm(rank_results, scenario) -> None:
    name, sizes, spatial, layout = scenario
    x, grad, weight, bias = scenario_tensors(sizes, spatial)
    reference = nn.BatchNorm2d(CHANNELS, momentum=0.2) if len(spatial) == 2 else nn.BatchNorm1d(CHANNELS, momentum=0.2)
    with torch.no_grad():
        reference.weight.copy_(weight), reference.bias.copy_(bias)
    x = x.clone().requires_grad_()
    out = reference(x)
    out.backward(grad)
    ranks = [results[name] for results in rank_results]
    torch.testing.assert_close(torch.cat([r["out"] for r in ranks]), out.detach(), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(torch.cat([r["grad_x"] for r in ranks]), x.grad, atol=1e-5, rtol=1e-5)
    # Parameter gradients stay per-rank sums; a data-parallel wrapper adds them up.
    torch.testing.assert_close(sum(r["grad_weight"] for r in ranks), reference.weight.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(sum(r["grad_bias"] for r in ranks), reference.bias.grad, atol=1e-5, rtol=1e-5)
    for r in ranks:
        torch.testing.assert_close(r["running_mean"], reference.running_mean)
        torch.testing.assert_close(r["running_var"], reference.running_var)
        if layout == "channels_last" and r["out"].numel():
            assert r["channels_last"]


def test_too_few_values_over_all_ranks_is_the_same_error_everywhere(rank_results) -> None:
    for results in rank_results:
        assert "expected more than 1 value per channel over all ranks" in results["too_few"]


def test_convert_sync_batchnorm_inside_process_group(rank_results) -> None:
    assert all(results["converted_type"] == "SyncBatchNorm" for results in rank_results)


def test_convert_sync_batchnorm_keeps_parameters_buffers_and_mode() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.Sequential(norm.BatchNorm(4, momentum=None)))
    model(torch.randn(3, 3, 2, 2))
    model[1].weight.requires_grad_(False)
    model.eval()
    expected = model(torch.ones(1, 3, 2, 2))
    weight, running_mean = model[1].weight, model[1].running_mean
    converted = norm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], norm.SyncBatchNorm) and isinstance(converted[2][0], norm.SyncBatchNorm)
    assert converted[1].weight is weight and converted[1].running_mean is running_mean
    assert not converted[1].weight.requires_grad and not converted[1].training
    assert converted[2][0].momentum is None
    torch.testing.assert_close(converted(torch.ones(1, 3, 2, 2)), expected)
    assert isinstance(norm.convert_sync_batchnorm(nn.BatchNorm1d(3)), norm.SyncBatchNorm)


def test_without_process_group_it_is_batch_norm() -> None:
    ours, theirs = norm.SyncBatchNorm(3), nn.BatchNorm2d(3)
    x = torch.randn(4, 3, 5, 5)
    torch.testing.assert_close(ours(x), theirs(x))
    torch.testing.assert_close(ours.running_var, theirs.running_var)
