"""Property tests over random shapes for the per-sample norms: they agree with the formula everywhere."""

from __future__ import annotations

import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import stylesynth.norm as norm

from . import reference as ref

shapes = st.tuples(
    st.integers(1, 3),  # batch
    st.integers(1, 4),  # channels per group
    st.integers(1, 3),  # groups
    st.lists(st.integers(1, 5), min_size=1, max_size=3),  # spatial axes
)


def _input(batch, channels, spatial, seed, channels_last):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn((batch, channels, *spatial), generator=generator, dtype=torch.float64) * 3 - 1
    if channels_last and x.dim() in (4, 5):
        x = x.contiguous(memory_format=torch.channels_last if x.dim() == 4 else torch.channels_last_3d)
    return x


@settings(max_examples=60, deadline=None)
@given(shapes, st.integers(0, 2**16), st.booleans())
def test_per_sample_norms_match_formula(shape, seed, channels_last) -> None:
    batch, per_group, groups, spatial = shape
    channels = per_group * groups
    assume(per_group * torch.Size(spatial).numel() > 1)  # one value per group: an error, see test_errors
    x = _input(batch, channels, spatial, seed, channels_last)
    torch.testing.assert_close(norm.GroupNorm(channels, groups=groups).double()(x), ref.group_norm(x, groups))
    torch.testing.assert_close(norm.LayerNorm(channels).double()(x), ref.layer_norm(x))
    torch.testing.assert_close(norm.RMSNorm(channels).double()(x), ref.rms_norm(x))
    frn = norm.FilterResponseNorm(channels).double()
    torch.testing.assert_close(frn(x), ref.filter_response_norm(x, frn.weight, frn.bias, frn.tau))
    if x[0, 0].numel() > 1:
        torch.testing.assert_close(norm.InstanceNorm(channels).double()(x), ref.instance_norm(x))
        style = _input(batch, channels, spatial[::-1], seed + 1, False)
        torch.testing.assert_close(norm.AdaIN().double()(x, style), ref.adain(x, style))


@settings(max_examples=40, deadline=None)
@given(shapes, st.integers(0, 2**16))
def test_per_sample_norms_do_not_mix_samples(shape, seed) -> None:
    """Normalizing a batch equals normalizing each sample alone (what makes them per-sample)."""
    batch, per_group, groups, spatial = shape
    channels = per_group * groups
    assume(per_group * torch.Size(spatial).numel() > 1)
    x = _input(batch + 1, channels, spatial, seed, False)
    for layer in (norm.GroupNorm(channels, groups=groups), norm.LayerNorm(channels), norm.RMSNorm(channels)):
        layer = layer.double()
        torch.testing.assert_close(layer(x), torch.cat([layer(x[i : i + 1]) for i in range(x.shape[0])]))
