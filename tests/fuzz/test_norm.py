"""``stylesynth.norm.build`` and its layers on arbitrary names, options and inputs: a layer whose
output has the input's shape and finite values, or a documented error with a message."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

import stylesynth.norm as norm

from .conftest import FUZZ, documented_errors_only, one_thread

#: layers that take one input (the others need a style, a label map or a style id)
SINGLE_INPUT = ("batch", "batch_renorm", "filter_response", "group", "instance", "layer", "rms", "sync_batch")
WEIGHTS = ("spectral_norm", "weight_norm", "weight_standardization")

OPTION_VALUES = {
    "eps": st.floats(1e-6, 1e-1),  # eps <= 0 is left to the layers' own checks (see the report of issue 12)
    "affine": st.booleans(),
    "groups": st.integers(-1, 9),
    "momentum": st.one_of(st.none(), st.floats(0, 1)),
    "track_running_stats": st.booleans(),
    "tlu": st.booleans(),
    "learnable_eps": st.booleans(),
    "unknown_option": st.integers(),
}


@st.composite
def layers_and_inputs(draw: st.DrawFn) -> tuple[str, int, dict, torch.Tensor, bool]:
    name = draw(st.sampled_from(SINGLE_INPUT + ("no_such_norm", "Batch", " group ")))
    features = draw(st.integers(1, 8))
    options = draw(st.dictionaries(st.sampled_from(sorted(OPTION_VALUES)), st.none(), max_size=3))
    options = {key: draw(OPTION_VALUES[key]) for key in options}
    channels = features if draw(st.integers(0, 5)) else draw(st.integers(1, 9))
    spatial = draw(st.lists(st.integers(1, 4), max_size=3))
    batch = draw(st.integers(0, 3))
    dtype = draw(st.sampled_from([torch.float32, torch.float64, torch.bfloat16]))
    x = torch.randn(batch, channels, *spatial, generator=torch.Generator().manual_seed(draw(st.integers(0, 999)))).to(dtype)
    if draw(st.booleans()) and x.dim() == 4:
        x = x.to(memory_format=torch.channels_last)
    return name, features, options, x, draw(st.booleans())


@FUZZ
@given(case=layers_and_inputs())
def test_build_and_forward_give_a_layer_and_an_output_or_a_documented_error(case) -> None:
    one_thread()
    name, features, options, x, training = case
    with documented_errors_only() as errors:
        layer = norm.build(name, features, **options).to(x.dtype).train(training)
        y = layer(x)
    if errors:
        return
    assert y.shape == x.shape and y.dtype == x.dtype
    assert torch.isfinite(y.float()).all(), f"{name} {options}: non-finite output"


@FUZZ
@given(
    name=st.sampled_from(WEIGHTS),
    module=st.sampled_from(["conv", "linear", "batchnorm"]),
    features=st.integers(1, 6),
    batch=st.integers(1, 3),
)
def test_weight_reparametrizations_keep_the_module_working_or_refuse_it(name: str, module: str, features: int, batch: int) -> None:
    one_thread()
    layer = {"conv": torch.nn.Conv2d(3, features, 3), "linear": torch.nn.Linear(3, features), "batchnorm": torch.nn.BatchNorm2d(3)}[module]
    x = torch.randn(batch, 3, 5, 5) if module != "linear" else torch.randn(batch, 3)
    with documented_errors_only() as errors:
        wrapped = norm.apply_weight(name, layer)
        y = wrapped(x)
        folded = norm.fold(wrapped.eval())(x)
    if errors:
        return
    assert torch.isfinite(y).all() and torch.allclose(folded, wrapped(x), atol=1e-5)
