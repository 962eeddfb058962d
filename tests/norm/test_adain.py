"""AdaIN and conditional instance norm against their formulas."""

from __future__ import annotations

import pytest
import torch

import stylesynth.norm as norm
from stylesynth.norm import functional as Fn

from . import reference as ref


@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
def test_adain_matches_formula_forward_and_backward(unbiased, layout) -> None:
    content64 = (torch.randn(2, 5, 6, 7, dtype=torch.float64) * 2 + 1).requires_grad_()
    style64 = (torch.randn(2, 5, 4, 3, dtype=torch.float64) * 0.5 - 1).requires_grad_()
    grad = torch.randn(2, 5, 6, 7, dtype=torch.float64)
    ref.adain(content64, style64, unbiased=unbiased).backward(grad)

    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    content = content64.detach().float().contiguous(memory_format=fmt).requires_grad_()
    style = style64.detach().float().contiguous(memory_format=fmt).requires_grad_()
    out = norm.AdaIN(5, unbiased=unbiased)(content, style)
    out.backward(grad.float())
    expected = ref.adain(content64.detach(), style64.detach(), unbiased=unbiased)
    torch.testing.assert_close(out.double(), expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(content.grad.double(), content64.grad, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(style.grad.double(), style64.grad, atol=1e-4, rtol=1e-4)
    assert out.is_contiguous(memory_format=fmt)


def test_adain_output_has_style_statistics() -> None:
    content, style = torch.randn(1, 3, 16, 16, dtype=torch.float64), torch.randn(1, 3, 8, 8, dtype=torch.float64) * 3 + 2
    out = Fn.adain(content, style, eps=0.0)
    torch.testing.assert_close(out.mean((2, 3)), style.mean((2, 3)))
    torch.testing.assert_close(out.std((2, 3), correction=0), style.std((2, 3), correction=0))


def test_adain_with_precomputed_style_statistics_equals_style_image() -> None:
    layer = norm.AdaIN(4)
    content, style = torch.randn(3, 4, 5, 5), torch.randn(1, 4, 9, 9)
    stats = layer.style_stats(style)
    torch.testing.assert_close(layer(content, style_stats=stats), layer(content, style))
    flat = (stats[0].flatten(1), stats[1].flatten(1))  # (N, C) statistics are accepted too
    torch.testing.assert_close(layer(content, style_stats=flat), layer(content, style))


def test_adain_bfloat16_close_to_formula() -> None:
    content, style = torch.randn(2, 8, 8, 8), torch.randn(2, 8, 8, 8) * 2
    out = norm.AdaIN()(content.bfloat16(), style.bfloat16())
    expected = ref.adain(content.bfloat16().double(), style.bfloat16().double())
    assert out.dtype == torch.bfloat16
    assert float((out.double() - expected).abs().max()) < 0.05 * float(expected.abs().max())


def test_adain_needs_exactly_one_style_source() -> None:
    x = torch.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match="exactly one"):
        Fn.adain(x)
    with pytest.raises(ValueError, match="exactly one"):
        Fn.adain(x, x, style_stats=Fn.channel_stats(x))
    with pytest.raises(ValueError, match="style batch 2 must be 1 or the content batch 3"):
        Fn.adain(torch.randn(3, 2, 4, 4), torch.randn(2, 2, 4, 4))


def test_adain_gradcheck() -> None:
    content = torch.randn(2, 3, 3, 3, dtype=torch.float64, requires_grad=True)
    style = torch.randn(2, 3, 2, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda c, s: Fn.adain(c, s), (content, style))


def test_conditional_instance_norm_matches_formula_for_ids_and_mixtures() -> None:
    layer = norm.ConditionalInstanceNorm(4, num_styles=3).double()
    with torch.no_grad():
        layer.weight.normal_(), layer.bias.normal_()
    x = torch.randn(2, 4, 5, 5, dtype=torch.float64)
    ids = torch.tensor([2, 0])
    expected = torch.cat([ref.instance_norm(x[i : i + 1], layer.weight[s], layer.bias[s]) for i, s in enumerate(ids)])
    torch.testing.assert_close(layer(x, ids), expected)
    mix = torch.tensor([[0.25, 0.75, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    gamma, beta = mix @ layer.weight, mix @ layer.bias
    expected_mix = torch.cat([ref.instance_norm(x[i : i + 1], gamma[i], beta[i]) for i in range(2)])
    torch.testing.assert_close(layer(x, mix), expected_mix)
    torch.testing.assert_close(layer(x, 1), torch.cat([ref.instance_norm(x[i : i + 1], layer.weight[1], layer.bias[1]) for i in range(2)]))
    assert torch.autograd.gradcheck(lambda t: layer(t, ids), (x.clone().requires_grad_(),))
