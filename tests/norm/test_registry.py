"""Building layers by name, spec mappings and clear errors for unknown names and options."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

import stylesynth.norm as norm

ALL_NAMES = {
    "batch", "sync_batch", "layer", "instance", "group", "adain", "spade", "conditional_instance",
    "rms", "filter_response", "batch_renorm", "clade", "weight_norm", "weight_standardization", "spectral_norm",
}


def test_names_lists_every_method() -> None:
    assert set(norm.names()) == ALL_NAMES
    assert set(norm.names("weight")) == {"weight_norm", "weight_standardization", "spectral_norm"}


def test_names_from_a_fresh_interpreter() -> None:
    out = subprocess.run([sys.executable, "-c", "import stylesynth.norm as n; print(n.names())"], capture_output=True, text=True, check=True)
    assert all(name in out.stdout for name in ALL_NAMES)


@pytest.mark.parametrize("name", sorted(ALL_NAMES - {"weight_norm", "weight_standardization", "spectral_norm"}))
def test_every_layer_builds_by_name_and_runs(name) -> None:
    options = {"group": {"groups": 4}, "spade": {"label_nc": 3}, "clade": {"label_nc": 3}, "conditional_instance": {"num_styles": 2}}.get(name, {})
    layer = norm.build(name, 8, **options)
    x = torch.randn(2, 8, 4, 4)
    extra = {"adain": (x.flip(0),), "spade": (torch.randn(2, 3, 4, 4),), "clade": (torch.randn(2, 3, 4, 4),), "conditional_instance": (torch.tensor([0, 1]),)}.get(name, ())
    assert layer(x, *extra).shape == x.shape


def test_spec_mappings_aliases_and_classes() -> None:
    assert isinstance(norm.build({"name": "group", "groups": 2}, 4), norm.GroupNorm)
    assert norm.build({"name": "group", "groups": 2}, 4).groups == 2
    assert isinstance(norm.build("BatchNorm", 4), norm.BatchNorm)
    assert isinstance(norm.build("sync-batch", 4), norm.SyncBatchNorm)
    assert isinstance(norm.build("instance_norm", 4), norm.InstanceNorm)
    assert isinstance(norm.build(nn.BatchNorm2d, 4), nn.BatchNorm2d)
    assert isinstance(norm.build("spade", 4, label_nc=3, norm="batch").param_free_norm, norm.BatchNorm)


def test_unknown_name_lists_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown normalization 'switchable'.*adain, batch, batch_renorm"):
        norm.build("switchable", 8)


def test_unknown_option_lists_accepted_ones() -> None:
    with pytest.raises(ValueError, match=r"does not take option\(s\) num_groups; it accepts: groups, eps, affine"):
        norm.build("group", 8, num_groups=2)


def test_weight_reparametrizations_by_name() -> None:
    conv = norm.apply_weight("spectral_norm", nn.Conv2d(2, 2, 1), n_power_iterations=2)
    assert "weight_orig" in conv.state_dict()
    with pytest.raises(ValueError, match="is a weight re-parametrization, not a layer"):
        norm.build("weight_norm", 4)
    with pytest.raises(ValueError, match="unknown weight re-parametrization 'batch'"):
        norm.apply_weight("batch", nn.Conv2d(2, 2, 1))
    with pytest.raises(ValueError, match="does not take option"):
        norm.apply_weight("weight_norm", nn.Conv2d(2, 2, 1), power=3)
