"""Every activation-normalizing layer against its paper formula in float64: forward and backward,
float32 and bfloat16, in every memory format and the edge cases."""

from __future__ import annotations

import pytest
import torch

from .cases import CASES, Case

SHAPES = {
    "2d": (2, 6, 5, 4),
    "1d": (3, 6, 7),
    "3d": (2, 6, 3, 4, 3),
    "batch1": (1, 6, 4, 4),
    "1x1": (5, 6, 1, 1),
    "odd": (3, 15, 3, 5),
    # samples of more than 8,192 elements: the per-sample channels_last path of instance norm
    "large": (2, 30, 16, 18),
    "large_3d_batch1": (1, 16, 8, 8, 10),
}


def _layout(x: torch.Tensor, layout: str) -> torch.Tensor:
    if layout == "channels_last":
        fmt = torch.channels_last if x.dim() == 4 else torch.channels_last_3d
        return x.contiguous(memory_format=fmt)
    if layout == "non_contiguous":
        wide = torch.cat([x, torch.full_like(x, 7.0)], dim=-1)
        return wide[..., : x.shape[-1]]
    return x


def _applicable(case: Case, shape: tuple[int, ...]) -> bool:
    if case.needs_spatial and all(s == 1 for s in shape[2:]):
        return False
    if not case.per_sample and shape[0] * int(torch.tensor(shape[2:]).prod()) < 2:
        return False
    if "group_3" in case.name and shape[1] % 3:
        return False
    return True


def _run(case: Case, shape, dtype, layout, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x64 = torch.randn(shape, generator=generator, dtype=torch.float64) * 1.5 + 0.3
    grad64 = torch.randn(shape, generator=generator, dtype=torch.float64)
    layer = case.build(shape[1]).train()
    reference_layer = case.build(shape[1]).double().train()  # same init, float64 leaf parameters

    x_ref = x64.to(dtype).double().requires_grad_()  # the reference sees the same rounded input
    expected = case.reference(x_ref, reference_layer)
    expected.backward(grad64.to(dtype).double())

    x = _layout(x64.to(dtype), layout).requires_grad_()
    out = layer(x)
    out.backward(_layout(grad64.to(dtype), layout))
    return x, out, x_ref, expected, layer, reference_layer


TOLERANCE = {torch.float32: 2e-4, torch.bfloat16: 4e-2}


def _assert_close(actual: torch.Tensor, expected: torch.Tensor, dtype, what: str) -> None:
    expected = expected.detach()
    scale = max(1.0, float(expected.abs().max()))
    error = float((actual.detach().double() - expected.double()).abs().max())
    assert error <= TOLERANCE[dtype] * scale, f"{what}: max error {error:.3g} > {TOLERANCE[dtype] * scale:.3g}"


@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "non_contiguous"])
@pytest.mark.parametrize("shape_name", list(SHAPES))
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_layer_matches_formula_float32(case: Case, shape_name: str, layout: str) -> None:
    shape = SHAPES[shape_name]
    if not _applicable(case, shape):
        pytest.skip("statistics undefined for this shape (the errors are tested in test_errors.py)")
    if layout == "channels_last" and len(shape) not in (4, 5):
        pytest.skip("channels_last exists for 4-D and 5-D tensors only")
    x, out, x_ref, expected, layer, reference_layer = _run(case, shape, torch.float32, layout)
    assert out.dtype == torch.float32 and out.shape == x.shape
    _assert_close(out, expected, torch.float32, "output")
    _assert_close(x.grad, x_ref.grad, torch.float32, "input gradient")
    for (name, param), param_ref in zip(layer.named_parameters(), reference_layer.parameters()):
        if param_ref.grad is not None or param.grad is not None:
            _assert_close(param.grad, param_ref.grad, torch.float32, f"gradient of {name}")
    if layout == "channels_last":
        fmt = torch.channels_last if len(shape) == 4 else torch.channels_last_3d
        assert out.is_contiguous(memory_format=fmt), "channels_last input must give channels_last output"


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("shape_name", ["2d", "large"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_layer_matches_formula_bfloat16(case: Case, shape_name: str, layout: str) -> None:
    shape = SHAPES[shape_name]
    if shape_name == "large" and case.name.startswith("filter_response"):
        # TLU's max(y, tau) has a kink: among thousands of points, bf16 rounding of y moves some
        # across tau, and their input gradients then differ by the whole upstream gradient.
        pytest.skip("TLU kink: bf16 gradients near tau are ill-conditioned at this size")
    x, out, x_ref, expected, layer, _ = _run(case, shape, torch.bfloat16, layout)
    assert out.dtype == torch.bfloat16
    _assert_close(out, expected, torch.bfloat16, "output")
    _assert_close(x.grad, x_ref.grad, torch.bfloat16, "input gradient")


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_layer_gradcheck_float64(case: Case) -> None:
    layer = case.build(6).double().train()
    if hasattr(layer, "momentum") and layer.momentum is not None:
        layer.momentum = 0.0  # keep running statistics fixed between evaluations
    if case.name == "batch_renorm":
        # r and d are stop-gradient functions of x; with both clipped they are constant, so the
        # numerical Jacobian of gradcheck sees the same function autograd differentiates.
        layer.running_mean.fill_(100.0)
        layer.running_var.fill_(1e4)
    x = (torch.randn(2, 6, 3, 3, dtype=torch.float64) + 0.2).requires_grad_()
    assert torch.autograd.gradcheck(layer, (x,), eps=1e-6, atol=1e-5)
