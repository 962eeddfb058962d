"""CodeConditionalInstanceNorm and instance_norm_modulated against the formula, in float64, forward and backward."""

from __future__ import annotations

import pytest
import torch

from stylesynth.norm import CodeConditionalInstanceNorm
from stylesynth.norm.functional import instance_norm_modulated


def formula(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float) -> torch.Tensor:
    dims = tuple(range(2, x.dim()))
    mean = x.mean(dim=dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
    if gamma.dim() == 2:
        gamma, beta = gamma.reshape(gamma.shape + (1,) * len(dims)), beta.reshape(beta.shape + (1,) * len(dims))
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


@pytest.mark.parametrize("per_position", [False, True])
@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (1, 4, 6), (3, 2, 2, 3, 4)])
def test_modulated_matches_formula_forward_and_backward(shape: tuple[int, ...], per_position: bool) -> None:
    torch.manual_seed(0)
    x = (torch.randn(shape, dtype=torch.float64) * 3 + 1).requires_grad_()
    param_shape = shape if per_position else shape[:2]
    gamma = torch.randn(param_shape, dtype=torch.float64, requires_grad=True)
    beta = torch.randn(param_shape, dtype=torch.float64, requires_grad=True)
    ours = instance_norm_modulated(x, gamma, beta, 1e-5)
    expected = formula(x, gamma, beta, 1e-5)
    torch.testing.assert_close(ours, expected, rtol=1e-10, atol=1e-10)
    grad = torch.randn_like(ours)
    got = torch.autograd.grad(ours, (x, gamma, beta), grad)
    want = torch.autograd.grad(expected, (x, gamma, beta), grad)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)


def test_modulated_channels_last_and_bf16() -> None:
    torch.manual_seed(1)
    x = torch.randn(2, 8, 9, 11).to(memory_format=torch.channels_last)
    gamma, beta = torch.randn(2, 8), torch.randn(2, 8)
    out = instance_norm_modulated(x, gamma, beta)
    assert out.is_contiguous(memory_format=torch.channels_last)
    expected = formula(x.double(), gamma.double(), beta.double(), 1e-5)
    torch.testing.assert_close(out.double(), expected, rtol=1e-5, atol=1e-5)
    low = instance_norm_modulated(x.bfloat16(), gamma, beta)
    assert low.dtype == torch.bfloat16
    torch.testing.assert_close(low.double(), expected, rtol=0.05, atol=0.05)


def test_modulated_constant_input_gives_beta() -> None:
    x = torch.full((1, 2, 4, 4), 3.0, dtype=torch.float64)
    gamma, beta = torch.tensor([[2.0, -1.0]], dtype=torch.float64), torch.tensor([[0.5, 4.0]], dtype=torch.float64)
    out = instance_norm_modulated(x, gamma, beta)
    torch.testing.assert_close(out, beta[:, :, None, None].expand_as(x))


@pytest.mark.parametrize("bad", [torch.zeros(2, 5), torch.zeros(3, 3), torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 5)])
def test_modulated_misshapen_parameters_are_value_errors(bad: torch.Tensor) -> None:
    with pytest.raises(ValueError, match="gamma must have shape"):
        instance_norm_modulated(torch.randn(2, 3, 5, 7), bad, torch.zeros(2, 3))


def test_code_layer_matches_formula_with_its_dense_maps() -> None:
    torch.manual_seed(2)
    layer = CodeConditionalInstanceNorm(4, 6, eps=1e-3).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_()
    x = torch.randn(3, 4, 5, 6, dtype=torch.float64, requires_grad=True)
    code = torch.randn(3, 6, dtype=torch.float64, requires_grad=True)
    out = layer(x, code)
    gamma = code @ layer.gamma.weight.T + layer.gamma.bias
    beta = code @ layer.beta.weight.T + layer.beta.bias
    expected = formula(x, gamma, beta, 1e-3)
    torch.testing.assert_close(out, expected, rtol=1e-10, atol=1e-10)
    grad = torch.randn_like(out)
    got = torch.autograd.grad(out, (x, code, layer.gamma.weight), grad)
    want = torch.autograd.grad(expected, (x, code, layer.gamma.weight), grad)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)


def test_code_map_is_a_per_position_affine() -> None:
    torch.manual_seed(3)
    layer = CodeConditionalInstanceNorm(3, 5).double()
    x = torch.randn(2, 3, 4, 6, dtype=torch.float64)
    code_map = torch.randn(2, 5, 4, 6, dtype=torch.float64)
    gamma = torch.einsum("ndhw,cd->nchw", code_map, layer.gamma.weight) + layer.gamma.bias[:, None, None]
    beta = torch.einsum("ndhw,cd->nchw", code_map, layer.beta.weight) + layer.beta.bias[:, None, None]
    torch.testing.assert_close(layer(x, code_map), formula(x, gamma, beta, 1e-5), rtol=1e-10, atol=1e-10)
    # A code map at another resolution is resized (bilinear) to the input's.
    assert layer(x, torch.randn(2, 5, 2, 3, dtype=torch.float64)).shape == x.shape


def test_mixing_codes_mixes_gamma_and_beta() -> None:
    """The dense maps are affine, so a weighted mean of codes gives the weighted mean of the parameters."""
    torch.manual_seed(4)
    layer = CodeConditionalInstanceNorm(3, 5).double()
    codes, weights = torch.randn(2, 5, dtype=torch.float64), torch.tensor([0.3, 0.7], dtype=torch.float64)
    mixed = (weights[:, None] * codes).sum(0, keepdim=True)
    torch.testing.assert_close(layer.gamma(mixed), (weights[:, None] * layer.gamma(codes)).sum(0, keepdim=True))


def test_fresh_layer_is_close_to_instance_norm() -> None:
    layer = CodeConditionalInstanceNorm(3, 5)
    x = torch.randn(2, 3, 8, 8)
    out = layer(x, torch.zeros(2, 5))
    torch.testing.assert_close(out, torch.nn.functional.instance_norm(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("code", [torch.zeros(2, 4), torch.zeros(2, 5, 3), "style"])
def test_code_layer_bad_codes_are_errors(code) -> None:
    with pytest.raises(ValueError, match="code must have shape"):
        CodeConditionalInstanceNorm(3, 5)(torch.randn(2, 3, 4, 4), code)


def test_code_layer_bad_arguments() -> None:
    with pytest.raises(ValueError, match="code_dim"):
        CodeConditionalInstanceNorm(3, 0)
    with pytest.raises(ValueError, match="eps"):
        CodeConditionalInstanceNorm(3, 2, eps=-1)


@pytest.mark.parametrize("shape", [(2, 4, 5, 7), (1, 3, 6), (2, 2, 2, 3, 4)])
def test_table_layer_with_weight_maps_matches_formula_forward_and_backward(shape: tuple[int, ...]) -> None:
    """ConditionalInstanceNorm with a mixing-weight map (N, S, *): gamma and beta blended per position."""
    from stylesynth.norm import ConditionalInstanceNorm

    torch.manual_seed(5)
    layer = ConditionalInstanceNorm(shape[1], num_styles=3, eps=1e-4).double()
    with torch.no_grad():
        layer.weight.normal_(), layer.bias.normal_()
    x = (torch.randn(shape, dtype=torch.float64) * 2 - 1).requires_grad_()
    weights = torch.rand((shape[0], 3) + shape[2:], dtype=torch.float64, requires_grad=True)
    ours = layer(x, weights)
    gamma = (weights.unsqueeze(2) * layer.weight.reshape((1, 3, shape[1]) + (1,) * (len(shape) - 2))).sum(1)
    beta = (weights.unsqueeze(2) * layer.bias.reshape((1, 3, shape[1]) + (1,) * (len(shape) - 2))).sum(1)
    expected = formula(x, gamma, beta, 1e-4)
    torch.testing.assert_close(ours, expected, rtol=1e-10, atol=1e-10)
    grad = torch.randn_like(ours)
    inputs = (x, weights, layer.weight, layer.bias)
    for a, b in zip(torch.autograd.grad(ours, inputs, grad), torch.autograd.grad(expected, inputs, grad)):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)


def test_table_layer_weight_map_constant_equals_mixture_and_is_resized() -> None:
    from stylesynth.norm import ConditionalInstanceNorm

    torch.manual_seed(6)
    layer = ConditionalInstanceNorm(4, num_styles=3).double()
    with torch.no_grad():
        layer.weight.normal_(), layer.bias.normal_()
    x = torch.randn(2, 4, 6, 8, dtype=torch.float64)
    mix = torch.tensor([[0.2, 0.8, 0.0], [0.0, 0.5, 0.5]], dtype=torch.float64)
    small_map = mix[:, :, None, None].expand(-1, -1, 3, 4)  # another size: interpolated to x's
    torch.testing.assert_close(layer(x, small_map), layer(x, mix), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="mixing weights must have shape"):
        layer(x, torch.rand(2, 4, 6, 8, dtype=torch.float64))
