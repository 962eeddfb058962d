"""The library's argument checks (``stylesynth.validation``) and what the API does with hostile input:
issue 12's "silently wrong output" cases, each now a correct result or a clear error."""

from __future__ import annotations

import io
import math

import pytest
import torch
from PIL import Image

from stylesynth import Synthesizer
from stylesynth.io import CheckpointError, ImageError
from stylesynth.io.images import MAX_PIXELS
from stylesynth.nets import AdaINNetwork
from stylesynth.validation import (
    MAX_SEED,
    check_choice,
    check_count,
    check_eps,
    check_image_tensor,
    check_mask_tensor,
    check_resize,
    check_seeds,
    style_weights,
)
from tests.io.test_images import rotated_jpeg


def test_huge_weights_are_normalized_not_overflowed_to_zeros() -> None:
    assert style_weights([1e308, 1e308], 2) == [0.5, 0.5]
    assert style_weights([3, 1], 2) == [0.75, 0.25]
    for bad in ([math.inf, 1.0], [-1.0, 2.0], [0, 0], [True, 1.0]):
        with pytest.raises(ValueError, match="weights"):
            style_weights(bad, 2)


def test_seeds_are_checked_against_the_range_torch_takes() -> None:
    assert check_seeds(MAX_SEED - 1, 2) == [MAX_SEED - 1, MAX_SEED]
    with pytest.raises(ValueError, match=r"seed must be a whole number from 0 to 9223372036854775807"):
        check_seeds(MAX_SEED, 2)
    with pytest.raises(ValueError, match="from 0 to"):
        check_seeds(-1, 1)
    with pytest.raises(TypeError, match="seed must be a whole number"):
        check_seeds("3", 1)


def test_counts_choices_and_eps_name_what_is_accepted() -> None:
    with pytest.raises(TypeError, match=r"label_nc must be a whole number of at least 1, got '182' \(str\)"):
        check_count("label_nc", "182")
    with pytest.raises(ValueError, match="kind must be one of adain, spade, got \\['adain'\\]"):
        check_choice("kind", ["adain"], ("adain", "spade"))  # unhashable: no TypeError from a dict lookup
    with pytest.raises(ValueError, match="eps must be a finite number above 0"):
        check_eps(-1e-5)
    with pytest.raises(CheckpointError, match="eps must be a finite number above 0"):
        AdaINNetwork.from_config({"kind": "adain", "encoder": {}, "eps": -1e-5})


def test_resize_limit_says_the_largest_size_allowed() -> None:
    check_resize("size", 8192, 100, 100, "the content")
    with pytest.raises(ValueError, match="size=8193 would make the content 8193x8193.*at most 8192"):
        check_resize("size", 8193, 100, 100, "the content")


def test_float_tensors_in_0_255_are_refused_not_clipped(stylizer) -> None:
    with pytest.raises(ImageError, match="values in \\[0, 1\\].*divide by 255"):
        stylizer.stylize(torch.rand(3, 32, 32) * 255, torch.rand(3, 32, 32))
    with pytest.raises(ImageError, match="NaN"):
        stylizer.stylize(torch.rand(3, 32, 32), torch.full((3, 32, 32), math.nan))
    out = stylizer.stylize((torch.rand(3, 32, 32) * 255).to(torch.uint8), torch.rand(3, 32, 32))
    assert out.dtype == torch.uint8 and out.shape == (3, 32, 32)


def test_huge_size_is_refused_before_resizing(stylizer) -> None:
    with pytest.raises(ValueError, match="size=100000 would make the content"):
        stylizer.stylize(torch.rand(3, 32, 32), torch.rand(3, 32, 32), size=100_000)


def test_exif_rotated_photo_comes_out_upright_through_the_api(stylizer) -> None:
    """The API's part of "an EXIF-rotated photo gives the same orientation in the API, CLI and app"."""
    photo = Image.open(io.BytesIO(rotated_jpeg(size=(48, 24))))
    assert stylizer.stylize(photo, torch.rand(3, 32, 32)).size == (24, 48)


def test_nan_style_image_for_spade_is_refused(tiny_checkpoint) -> None:
    synthesizer = Synthesizer.from_pretrained(tiny_checkpoint, device="cpu")
    labels = torch.zeros(16, 16, dtype=torch.long)
    with pytest.raises(ImageError, match="NaN"):
        synthesizer.synthesize(labels, style=torch.full((3, 16, 16), math.nan))
    with pytest.raises(ImageError, match="divide by 255"):
        synthesizer.synthesize(labels, style=torch.rand(3, 16, 16) * 255)
    with pytest.raises(ValueError, match="seed must be a whole number"):
        synthesizer.synthesize([labels, labels], seed=MAX_SEED)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"label_nc": "8"}, TypeError, r"label_nc must be a whole number of at least 1, got '8' \(str\)"),
        ({"preset": ["ade20k"]}, ValueError, r"preset must be one of ade20k, cityscapes, coco_stuff, got \['ade20k'\]"),
        ({"instance": "yes"}, TypeError, "instance must be True or False"),
    ],
)
def test_official_generator_options_of_the_wrong_type_are_named(tmp_path, options: dict, error: type, message: str) -> None:
    from stylesynth.nets.spade_generator import SPADEGenerator

    torch.save(SPADEGenerator(semantic_nc=8, ngf=4, crop_size=32).state_dict(), tmp_path / "latest_net_G.pth")
    with pytest.raises(error, match=message):
        Synthesizer.from_pretrained(tmp_path / "latest_net_G.pth", **options)


def test_a_weights_file_that_needs_unpickling_is_refused_without_suggesting_weights_only_false(tmp_path) -> None:
    import fractions

    from stylesynth.io import load_torch_file

    torch.save({"scale": fractions.Fraction(1, 3)}, tmp_path / "odd.pth")  # a class the safe unpickler refuses
    with pytest.raises(CheckpointError, match="holds Python objects other than tensors") as caught:
        load_torch_file(tmp_path / "odd.pth")
    assert "weights_only=False" not in str(caught.value)


def test_nan_masks_and_float_masks_in_0_255_are_refused_not_clamped(stylizer) -> None:
    """Issue 24: a NaN mask or a float mask in 0-255 was clamped to [0, 1] without a word."""
    content, style = torch.rand(3, 32, 32), torch.rand(3, 32, 32)
    with pytest.raises(ImageError, match=r"mask: the float mask holds NaN or infinite values; masks are in \[0, 1\]"):
        stylizer.stylize(content, style, mask=torch.full((32, 32), math.nan))
    with pytest.raises(ImageError, match=r"float masks must hold values in \[0, 1\], got values from 0 to 255; .*divide by 255"):
        stylizer.stylize(content, style, mask=torch.linspace(0, 255, 32 * 32).reshape(32, 32))
    with pytest.raises(ImageError, match=r"float masks must hold values in \[0, 1\], got values from -1 to 1"):
        check_mask_tensor(torch.tensor([-1.0, 1.0]), "mask")
    assert check_mask_tensor(torch.tensor([0, 51, 255], dtype=torch.uint8), "mask").tolist() == pytest.approx([0, 0.2, 1])
    assert check_mask_tensor(torch.tensor([True, False]), "mask").tolist() == [1.0, 0.0]
    assert check_mask_tensor(torch.tensor([-1e-4, 1 + 1e-4]), "mask").tolist() == [0.0, 1.0]  # rounding error is clamped
    with pytest.raises(ImageError, match="expected a bool, uint8 \\(0-255\\) or float \\(0-1\\) mask, got dtype torch.int64"):
        check_mask_tensor(torch.zeros(2, dtype=torch.long), "mask")
    out = stylizer.stylize(content, style, mask=torch.full((32, 32), 255, dtype=torch.uint8))
    assert out.shape == (3, 32, 32)


def test_empty_and_over_limit_image_tensors_are_value_errors_saying_what_is_accepted(stylizer) -> None:
    with pytest.raises(ImageError, match=r"content: the tensor batch \(0, 3, 32, 32\) holds no images; expected at least one image"):
        stylizer.stylize(torch.zeros(0, 3, 32, 32), torch.rand(3, 32, 32))
    with pytest.raises(ImageError, match=r"style: the tensor batch \(0, 3, 32, 32\) holds no images"):
        stylizer.stylize(torch.rand(3, 32, 32), torch.zeros(0, 3, 32, 32))
    with pytest.raises(ImageError, match=r"has no pixels \(0x0\); expected an image of at least 1x1 pixels"):
        check_image_tensor(torch.zeros(3, 0, 0), "content")
    huge = torch.zeros(1, dtype=torch.uint8).expand(3, 1, MAX_PIXELS + 1)  # no memory behind it
    with pytest.raises(ImageError, match=r"content: the tensor \(3, 1, 67108865\) is 67108865x1 = 67,108,865 pixels, more than the limit"):
        stylizer.stylize(huge, torch.rand(3, 32, 32))
