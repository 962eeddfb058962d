"""CLADE (class-adaptive normalization) and its intra-class positional map against their definitions in float64."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import stylesynth.norm as norm
from stylesynth.norm.functional import class_positional_map

from . import reference as ref

SIZES = {1: (12,), 2: (6, 8), 3: (4, 4, 6)}


def _one_hot(labels: torch.Tensor, label_nc: int) -> torch.Tensor:
    return F.one_hot(labels, label_nc).movedim(-1, 1).double()


def _blocky_labels(n: int, spatial: tuple[int, ...], label_nc: int, seed: int = 0, block: int = 2) -> torch.Tensor:
    """Class ids in blocks (so regions have several pixels), some classes absent."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.randint(label_nc - 1, (n, *[max(1, s // block) for s in spatial]), generator=generator)
    labels = coarse
    for axis in range(1, len(spatial) + 1):
        labels = labels.repeat_interleave(block, dim=axis)
    return labels[(slice(None),) + tuple(slice(0, s) for s in spatial)]


def _layer(C: int, label_nc: int, inner: str, positional: bool, spatial_dims: int = 2, seed: int = 1) -> norm.CLADE:
    layer = norm.CLADE(C, label_nc, norm=inner, positional=positional, spatial_dims=spatial_dims)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in layer.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.5 + (1.0 if param.shape[0] == label_nc else 0.0))
    return layer


def _inner_reference(inner: str):
    return ref.instance_norm if inner == "instance" else (lambda t: ref.batch_norm(t, None, None))


def _reference(layer: norm.CLADE, x64: torch.Tensor, labels: torch.Tensor, inner: str) -> torch.Tensor:
    onehot = F.interpolate(_one_hot(labels, layer.label_nc), size=x64.shape[2:], mode="nearest")
    if not layer.positional:
        return ref.clade(x64, onehot, layer.weight, layer.bias, _inner_reference(inner))
    positional = F.interpolate(ref.region_offsets(labels), size=x64.shape[2:], mode="nearest")
    return ref.clade(x64, onehot, layer.weight, layer.bias, _inner_reference(inner), positional,
                     layer.positional_gamma, layer.positional_beta)


TOLERANCE = {torch.float32: 2e-4, torch.bfloat16: 4e-2}


def _close(actual: torch.Tensor, expected: torch.Tensor, dtype: torch.dtype, what: str) -> None:
    scale = max(1.0, float(expected.detach().abs().max()))
    error = float((actual.detach().double() - expected.detach().double()).abs().max())
    assert error <= TOLERANCE[dtype] * scale, f"{what}: max error {error:.3g} > {TOLERANCE[dtype] * scale:.3g}"


def _check(inner, spatial_dims, dtype, layout, positional, shape=None, map_scale=2, label_nc=5) -> None:
    shape = shape or (2, 6, *SIZES[spatial_dims])
    generator = torch.Generator().manual_seed(0)
    x64 = torch.randn(shape, generator=generator, dtype=torch.float64) * 1.5 + 0.3
    grad64 = torch.randn(shape, generator=generator, dtype=torch.float64)
    labels = _blocky_labels(shape[0], tuple(s * map_scale for s in shape[2:]), label_nc)
    layer = _layer(shape[1], label_nc, inner, positional, spatial_dims).to(dtype)
    reference_layer = _layer(shape[1], label_nc, inner, positional, spatial_dims).double()
    reference_layer.load_state_dict({k: v.double() for k, v in layer.state_dict().items()})

    x_ref = x64.to(dtype).double().requires_grad_()
    expected = _reference(reference_layer, x_ref, labels, inner)
    expected.backward(grad64.to(dtype).double())

    fmt = {4: torch.channels_last, 5: torch.channels_last_3d}.get(len(shape))
    x = x64.to(dtype)
    grad = grad64.to(dtype)
    segmap = _one_hot(labels, label_nc).to(dtype)
    if layout == "channels_last":
        x, grad, segmap = (t.contiguous(memory_format=fmt) for t in (x, grad, segmap))
    if layout == "non_contiguous":  # views into wider tensors
        x, segmap = (torch.cat([t, torch.full_like(t, 7.0)], dim=-1)[..., : t.shape[-1]] for t in (x, segmap))
    x.requires_grad_()
    out = layer(x, segmap)
    out.backward(grad)
    assert out.dtype == dtype and out.shape == x.shape
    expected_format = fmt if layout == "channels_last" else torch.contiguous_format
    assert out.is_contiguous(memory_format=expected_format), f"output must keep the input's {layout} layout"
    _close(out, expected, dtype, "output")
    _close(x.grad, x_ref.grad, dtype, "input gradient")
    for (name, param), param_ref in zip(layer.named_parameters(), reference_layer.parameters()):
        _close(param.grad, param_ref.grad, dtype, f"gradient of {name}")


@pytest.mark.parametrize("positional", [False, True], ids=["clade", "clade_icpe"])
@pytest.mark.parametrize("inner", ["instance", "batch", "sync_batch"])
@pytest.mark.parametrize("spatial_dims", [1, 2, 3])
def test_clade_matches_formula_float32(inner, spatial_dims, positional) -> None:
    _check(inner, spatial_dims, torch.float32, "contiguous", positional)


@pytest.mark.parametrize("positional", [False, True], ids=["clade", "clade_icpe"])
@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_clade_channels_last_keeps_layout_and_matches(spatial_dims, positional) -> None:
    _check("instance", spatial_dims, torch.float32, "channels_last", positional)


@pytest.mark.parametrize("positional", [False, True], ids=["clade", "clade_icpe"])
def test_clade_non_contiguous_input_and_map(positional) -> None:
    _check("batch", 2, torch.float32, "non_contiguous", positional)


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("positional", [False, True], ids=["clade", "clade_icpe"])
def test_clade_matches_formula_bfloat16(layout, positional) -> None:
    _check("instance", 2, torch.bfloat16, layout, positional, shape=(2, 6, 8, 8))


@pytest.mark.parametrize("positional", [False, True], ids=["clade", "clade_icpe"])
def test_clade_batch_1_and_map_at_the_feature_size(positional) -> None:
    _check("instance", 2, torch.float32, "contiguous", positional, shape=(1, 6, 5, 7), map_scale=1)


def test_clade_1x1_maps_with_batch_statistics() -> None:
    _check("batch", 2, torch.float32, "contiguous", True, shape=(4, 6, 1, 1), map_scale=3)


def test_clade_with_one_class_per_map_and_many_absent() -> None:
    _check("instance", 2, torch.float32, "contiguous", True, shape=(2, 6, 4, 4), label_nc=2)
    _check("instance", 2, torch.float32, "contiguous", False, shape=(2, 6, 4, 4), label_nc=40)


def test_absent_classes_get_no_gradient_and_do_not_change_the_output() -> None:
    layer = _layer(4, label_nc=6, inner="instance", positional=True)
    labels = torch.tensor([[[0, 0, 2, 2], [0, 0, 2, 2], [5, 5, 2, 2], [5, 5, 5, 5]]])
    x = torch.randn(1, 4, 4, 4)
    out = layer(x, labels)
    out.square().sum().backward()
    absent = [1, 3, 4]
    assert layer.weight.grad[absent].abs().sum() == 0 and layer.bias.grad[absent].abs().sum() == 0
    assert layer.weight.grad[[0, 2, 5]].abs().sum(1).min() > 0
    with torch.no_grad():
        layer.weight[absent] = 123.0
        layer.bias[absent] = -7.0
    torch.testing.assert_close(layer(x, labels), out, rtol=0, atol=0)


@pytest.mark.parametrize("positional", [False, True])
def test_starts_as_the_plain_norm(positional) -> None:
    layer = norm.CLADE(5, label_nc=3, positional=positional)
    x = torch.randn(2, 5, 6, 6)
    labels = _blocky_labels(2, (12, 12), 3)
    torch.testing.assert_close(layer(x, labels), norm.InstanceNorm(5)(x))
    assert layer.weight.shape == layer.bias.shape == (3, 5)


def test_class_ids_and_one_hot_maps_give_the_same_output() -> None:
    layer = _layer(4, label_nc=5, inner="batch", positional=True)
    labels = _blocky_labels(3, (10, 12), 5)
    x = torch.randn(3, 4, 5, 6)
    torch.testing.assert_close(layer(x, labels), layer(x, _one_hot(labels, 5).float()))
    torch.testing.assert_close(layer(x, labels.int()), layer(x, labels))
    given = layer(x, labels, positional_map=class_positional_map(labels))
    torch.testing.assert_close(given, layer(x, labels))


def test_clade_gradcheck() -> None:
    layer = _layer(3, label_nc=4, inner="instance", positional=True).double()
    x = torch.randn(2, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    labels = _blocky_labels(2, (8, 8), 4)
    assert torch.autograd.gradcheck(lambda x, w, b: norm.functional.class_affine(x, F.interpolate(labels[:, None].double(), size=(4, 4)).squeeze(1).long(), w, b),
                                    (x, layer.weight, layer.bias))
    assert torch.autograd.gradcheck(lambda x: layer(x, labels), (x,))


@pytest.mark.parametrize("spatial", [(9, 11), (1, 7), (16,), (4, 5, 3)])
def test_positional_map_matches_flood_fill(spatial) -> None:
    for seed in range(3):
        labels = _blocky_labels(2, spatial, 4, seed=seed, block=1 + seed)
        torch.testing.assert_close(class_positional_map(labels), ref.region_offsets(labels).float())


def test_positional_map_worked_example() -> None:
    # class 0 has two regions: top-left (3 pixels) and bottom (5 pixels, joined diagonally at (3,1)-(2,2))
    labels = torch.tensor([[[0, 0, 1, 1], [0, 2, 1, 1], [2, 2, 0, 0], [0, 0, 0, 1]]])
    rows, cols = class_positional_map(labels)[0]
    eps = 1e-5
    # top-left region: centre (1/3, 1/3); largest offsets 2/3 on both axes
    torch.testing.assert_close(rows[[0, 0, 1], [0, 1, 0]], torch.tensor([-1 / 3, -1 / 3, 2 / 3]) / (2 / 3 + eps))
    torch.testing.assert_close(cols[[0, 0, 1], [0, 1, 0]], torch.tensor([-1 / 3, 2 / 3, -1 / 3]) / (2 / 3 + eps))
    # bottom region (2,2) (2,3) (3,0) (3,1) (3,2): centre (2.6, 1.6)
    torch.testing.assert_close(cols[3, 0], torch.tensor(-1.6 / (1.6 + eps)))
    torch.testing.assert_close(rows[2, 3], torch.tensor(-0.6 / (0.6 + eps)))
    assert rows[3, 3] == 0 and cols[3, 3] == 0  # a one-pixel region
    assert class_positional_map(labels).abs().max() < 1


def test_positional_map_of_a_snake_region() -> None:
    # one long winding region: label propagation must follow it end to end
    labels = torch.ones(1, 9, 9, dtype=torch.long)
    labels[0, 1::4, :8] = 0
    labels[0, 3::4, 1:] = 0
    torch.testing.assert_close(class_positional_map(labels), ref.region_offsets(labels).float())


def test_errors_name_the_layer_and_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="inner norm must be one of instance, batch, sync_batch"):
        norm.CLADE(8, 3, norm="group")
    layer = norm.CLADE(8, 3)
    x = torch.randn(2, 8, 4, 4)
    with pytest.raises(ValueError, match=r"segmentation map.*expected 3 channels"):
        layer(x, torch.randn(2, 5, 4, 4))
    with pytest.raises(ValueError, match=r"class ids must lie in \[0, 2\], got values in \[0, 3\]"):
        layer(x, torch.tensor([0, 3]).repeat(2, 2, 2))
    with pytest.raises(ValueError, match="batch"):
        layer(x, torch.zeros(1, 4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="one-hot float map"):
        layer(x, torch.zeros(2, 4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="positional=False"):
        layer(x, torch.zeros(2, 4, 4, dtype=torch.long), positional_map=torch.zeros(2, 2, 4, 4))
    with pytest.raises(ValueError, match=r"positional_map must have shape \(N, 2, \*\)"):
        norm.CLADE(8, 3, positional=True)(x, torch.zeros(2, 4, 4, dtype=torch.long), positional_map=torch.zeros(2, 1, 4, 4))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        layer(torch.randn(2, 8, 1, 1), torch.zeros(2, 1, 1, dtype=torch.long))
    with pytest.raises(TypeError, match="integer class ids"):
        class_positional_map(torch.zeros(1, 3, 3))
