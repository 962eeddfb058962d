"""Undefined statistics and malformed input raise clear errors, as torch does, instead of returning NaN."""

from __future__ import annotations

import pytest
import torch

import stylesynth.norm as norm


def test_batch_norm_needs_two_values_per_channel_in_training() -> None:
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        norm.BatchNorm(3)(torch.randn(1, 3, 1, 1))
    norm.BatchNorm(3).eval()(torch.randn(1, 3, 1, 1))  # eval uses running statistics: fine


@pytest.mark.parametrize("name", ["batch_renorm", "sync_batch"])
def test_batch_statistics_layers_need_two_values(name) -> None:
    with pytest.raises(ValueError, match="more than 1 value"):
        norm.build(name, 3)(torch.randn(1, 3, 1, 1))


@pytest.mark.parametrize("name", ["instance", "conditional_instance", "adain"])
def test_instance_statistics_need_two_spatial_values(name) -> None:
    x = torch.randn(2, 3, 1, 1)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        if name == "adain":
            norm.AdaIN(unbiased=True)(x, x)
        elif name == "conditional_instance":
            norm.ConditionalInstanceNorm(3, 2)(x, torch.tensor([0, 1]))
        else:
            norm.InstanceNorm(3)(x)


@pytest.mark.parametrize("name", ["batch", "instance", "group", "layer", "rms", "filter_response", "batch_renorm"])
def test_wrong_channel_count_names_the_layer_and_both_counts(name) -> None:
    layer = norm.build(name, 6, **({"groups": 3} if name == "group" else {}))
    with pytest.raises(ValueError, match=r"expected 6 channels.*got 4"):
        layer(torch.randn(2, 4, 3, 3))


def test_input_without_channel_axis_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"shape \(N, C, \*\)"):
        norm.BatchNorm(3)(torch.randn(3))
    with pytest.raises(TypeError, match="floating-point"):
        norm.LayerNorm(3)(torch.ones(2, 3, 2, 2, dtype=torch.long))


def test_group_count_must_divide_channels() -> None:
    with pytest.raises(ValueError, match="divisible by groups"):
        norm.GroupNorm(10, groups=3)


def test_conditional_instance_norm_rejects_unknown_style_ids() -> None:
    layer = norm.ConditionalInstanceNorm(3, num_styles=4)
    with pytest.raises(ValueError, match=r"style ids must lie in \[0, 3\]"):
        layer(torch.randn(2, 3, 4, 4), torch.tensor([0, 4]))


def test_spade_rejects_unknown_inner_norm_and_mismatched_maps() -> None:
    with pytest.raises(ValueError, match="inner norm must be one of instance, batch, sync_batch"):
        norm.SPADE(8, 3, norm="group")
    layer = norm.SPADE(8, 3, hidden_channels=4)
    with pytest.raises(ValueError, match="segmentation map"):
        layer(torch.randn(2, 8, 4, 4), torch.randn(2, 5, 4, 4))
    with pytest.raises(ValueError, match="batch"):
        layer(torch.randn(2, 8, 4, 4), torch.randn(1, 3, 4, 4))


def test_group_and_layer_norm_need_two_values_per_group() -> None:
    with pytest.raises(ValueError, match="more than 1 value per group"):
        norm.GroupNorm(4, groups=4)(torch.randn(3, 4, 1, 1))
    with pytest.raises(ValueError, match="more than 1 value per group"):
        norm.LayerNorm(1)(torch.randn(3, 1, 1, 1))
    norm.GroupNorm(4, groups=2)(torch.randn(1, 4, 1, 1))  # two values per group: defined


@pytest.mark.parametrize("eps", [-1e-5, float("nan"), float("inf"), "1e-5", True])
@pytest.mark.parametrize(
    "make",
    [
        lambda eps: norm.build("batch", 4, eps=eps),
        lambda eps: norm.build("instance", 4, eps=eps),
        lambda eps: norm.build("group", 4, groups=2, eps=eps),
        lambda eps: norm.build("layer", 4, eps=eps),
        lambda eps: norm.build("rms", 4, eps=eps),
        lambda eps: norm.build("filter_response", 4, eps=eps),
        lambda eps: norm.build("conditional_instance", 4, num_styles=2, eps=eps),
        lambda eps: norm.AdaIN(eps=eps),
        lambda eps: norm.spectral_norm(torch.nn.Conv2d(2, 2, 3), eps=eps),
        lambda eps: norm.weight_standardization(torch.nn.Conv2d(2, 2, 3), eps=eps),
    ],
)
def test_eps_must_be_a_finite_number_at_least_zero(make, eps) -> None:
    with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
        make(eps)


def test_eps_zero_is_accepted() -> None:
    assert norm.build("group", 4, groups=2, eps=0.0).eps == 0.0
