"""Weight norm, spectral norm and weight standardization: formula, torch.nn.utils parity, keys, fold()."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import stylesynth.norm as norm

from . import reference as ref


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_formula_and_torch(dim) -> None:
    conv = nn.Conv2d(3, 4, 3).double()
    original = conv.weight.detach().clone()
    torch_conv = copy.deepcopy(conv)
    norm.weight_norm(conv, dim=dim)
    torch.testing.assert_close(conv.weight, original)  # same function right after the call
    with torch.no_grad():
        conv.weight_g.mul_(1.7)
        conv.weight_v.add_(0.3)
    v, g = conv.weight_v.detach(), conv.weight_g.detach()
    norm_of_v = v.norm() if dim is None else v.pow(2).sum([d for d in range(4) if d != dim], keepdim=True).sqrt()
    x = torch.randn(2, 3, 5, 5, dtype=torch.float64)
    torch.testing.assert_close(conv(x), F.conv2d(x, g * v / norm_of_v, conv.bias))
    if dim is not None:
        torch.nn.utils.weight_norm(torch_conv, dim=dim)
        torch_conv.load_state_dict(conv.state_dict())  # same keys: weight_g, weight_v
        torch.testing.assert_close(conv(x), torch_conv(x))


def test_spectral_norm_matches_torch_in_training_and_eval() -> None:
    ours = norm.spectral_norm(nn.Conv2d(4, 6, 3))
    theirs = torch.nn.utils.spectral_norm(nn.Conv2d(4, 6, 3))
    theirs.load_state_dict(ours.state_dict())  # same keys: weight_orig, weight_u, weight_v
    for _ in range(3):
        x = torch.randn(2, 4, 5, 5)
        torch.testing.assert_close(ours(x), theirs(x))
        torch.testing.assert_close(ours.weight_u, theirs.weight_u)
    ours.eval(), theirs.eval()
    u_before = ours.weight_u.clone()
    x = torch.randn(1, 4, 5, 5)
    torch.testing.assert_close(ours(x), theirs(x))
    torch.testing.assert_close(ours.weight_u, u_before)  # no power iteration in eval


def test_spectral_norm_divides_by_top_singular_value_after_convergence() -> None:
    linear = norm.spectral_norm(nn.Linear(7, 5).double(), n_power_iterations=50)
    linear(torch.randn(1, 7, dtype=torch.float64))
    sigma = torch.linalg.matrix_norm(linear.weight_orig.detach(), ord=2)
    torch.testing.assert_close(linear.weight, linear.weight_orig / sigma)
    assert abs(float(torch.linalg.matrix_norm(linear.weight.detach(), ord=2)) - 1.0) < 1e-6


def test_spectral_norm_on_transposed_conv_uses_output_axis() -> None:
    ours = norm.spectral_norm(nn.ConvTranspose2d(4, 3, 3))
    theirs = torch.nn.utils.spectral_norm(nn.ConvTranspose2d(4, 3, 3))
    theirs.load_state_dict(ours.state_dict())
    assert ours.weight_u.shape == (3,)
    x = torch.randn(1, 4, 5, 5)
    torch.testing.assert_close(ours(x), theirs(x))


def test_weight_standardization_matches_formula_and_wsconv() -> None:
    conv = nn.Conv2d(3, 4, 3).double()
    raw = conv.weight.detach().clone()
    norm.weight_standardization(conv)
    x = torch.randn(2, 3, 6, 6, dtype=torch.float64)
    expected = F.conv2d(x, ref.standardize(raw), conv.bias)
    torch.testing.assert_close(conv(x), expected)
    ws = norm.WSConv2d(3, 4, 3).double()
    ws.load_state_dict({"weight": raw, "bias": conv.bias.detach()})  # keys as a plain Conv2d
    torch.testing.assert_close(ws(x), expected)


@pytest.mark.parametrize("make", [
    lambda: norm.weight_norm(nn.Conv2d(3, 4, 3)),
    lambda: norm.spectral_norm(nn.Conv2d(3, 4, 3)),
    lambda: norm.weight_standardization(nn.Conv2d(3, 4, 3)),
    lambda: norm.WSConv2d(3, 4, 3),
])
def test_fold_gives_plain_weight_with_identical_outputs(make) -> None:
    model = nn.Sequential(make(), nn.ReLU())
    model[0](torch.randn(2, 3, 6, 6))  # one training step (moves spectral norm's u, v)
    model.eval()
    x = torch.randn(2, 3, 6, 6)
    before = model(x)
    folded = norm.fold(model)
    assert type(folded[0]) is nn.Conv2d
    assert set(folded[0].state_dict()) == {"weight", "bias"}
    assert not folded[0]._forward_pre_hooks
    torch.testing.assert_close(folded(x), before)


@pytest.mark.parametrize("make", [norm.weight_norm, norm.weight_standardization, norm.spectral_norm])
def test_reparametrized_weights_pass_gradcheck(make) -> None:
    conv = make(nn.Conv2d(2, 3, 2).double()).eval()
    names = [name for name, _ in conv.named_parameters()]

    def forward(x, *params):
        return torch.func.functional_call(conv, dict(zip(names, params)), (x,))

    inputs = [torch.randn(1, 2, 3, 3, dtype=torch.float64)] + [p.detach().clone() for p in conv.parameters()]
    assert torch.autograd.gradcheck(forward, tuple(t.requires_grad_() for t in inputs))


def test_reparametrizing_twice_or_a_missing_weight_is_an_error() -> None:
    conv = norm.spectral_norm(nn.Conv2d(2, 2, 1))
    with pytest.raises(ValueError, match="already re-parametrized"):
        norm.weight_norm(conv)
    with pytest.raises(ValueError, match="has no parameter 'kernel'"):
        norm.weight_norm(nn.Conv2d(2, 2, 1), name="kernel")
