"""``Stylizer.stylize`` and ``Synthesizer.synthesize`` on arbitrary arguments: an image of the right size
and type, or a documented error with a message."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from stylesynth import Stylizer, Synthesizer

from .conftest import FUZZ, documented_errors_only, one_thread

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
)


@st.composite
def image_tensors(draw: st.DrawFn, good: bool, channels: int = 3, size: tuple[int, int] | None = None, batch: int | None = None) -> torch.Tensor:
    """An image-like tensor: valid when ``good``, else of a wrong shape, dtype, size or value range."""
    height, width = size or (draw(st.integers(16, 40)), draw(st.integers(16, 40)))
    shape = ((batch,) if batch else ()) + (channels, height, width)
    dtype = draw(st.sampled_from([torch.float32, torch.uint8]))
    values = torch.rand(shape, generator=torch.Generator().manual_seed(draw(st.integers(0, 2**16))))
    if not good:
        flaw = draw(st.sampled_from(["shape", "dtype", "range", "nan", "tiny"]))
        if flaw == "shape":
            values = values[:1] if channels > 1 else values.expand(4, -1, -1).clone()
        elif flaw == "dtype":
            dtype = draw(st.sampled_from([torch.float64, torch.int64, torch.bfloat16, torch.bool]))
        elif flaw == "range":
            values, dtype = values * draw(st.sampled_from([255.0, -1.0])), torch.float32
        elif flaw == "nan":
            values.view(-1)[0], dtype = draw(st.sampled_from([math.nan, math.inf])), torch.float32
        else:
            values = values[..., :3, :5]
    return (values * 255).to(dtype) if dtype in (torch.uint8, torch.int64) else values.to(dtype)


@st.composite
def stylize_arguments(draw: st.DrawFn) -> dict:
    """Valid arguments with at most one thing wrong (nothing wrong a third of the time)."""
    broken = draw(st.sampled_from(["nothing"] * 3 + ["content", "style", "alpha", "weights", "size", "mask", "styles"]))
    batch = draw(st.sampled_from([None, None, 1, 2]))
    content = draw(image_tensors(broken != "content", batch=batch))
    count = 0 if broken == "styles" else draw(st.integers(1, 3))
    styles = [draw(image_tensors(broken != "style" or index > 0)) for index in range(count)]
    arguments = {
        "content": content,
        "style": styles[0] if count == 1 and draw(st.booleans()) else styles,
        "alpha": draw(st.floats(0, 1) if broken != "alpha" else st.one_of(st.floats(-1, 2).filter(lambda a: not 0 <= a <= 1), NUMBERS)),
        "preserve_color": draw(st.booleans()),
    }
    use = draw(st.sampled_from(["weights", "mask", None]))
    if use == "weights" or broken == "weights":
        arguments["weights"] = draw(
            st.lists(st.floats(0, 1e308), min_size=count, max_size=count).filter(lambda w: any(w))
            if broken != "weights" else st.lists(NUMBERS, max_size=4)
        )
    elif use == "mask" or broken == "mask":
        size = tuple(content.shape[-2:]) if broken != "mask" else (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
        masks = max(count, 1) if count != 2 or draw(st.booleans()) else 1
        arguments["mask"] = [draw(image_tensors(True, channels=1, size=size))[0] for _ in range(masks)]
    if broken == "size" or draw(st.booleans()):
        arguments["size"] = draw(st.integers(16, 48) if broken != "size" else st.one_of(st.integers(-4, 15), st.integers(10**5, 10**9), NUMBERS))
    return arguments


@FUZZ
@given(arguments=stylize_arguments())
def test_stylize_returns_an_image_or_a_documented_error(stylizer: Stylizer, arguments: dict) -> None:
    one_thread()
    with documented_errors_only() as errors:
        output = stylizer.stylize(**arguments)
    if errors:
        return
    content = arguments["content"]
    assert isinstance(output, torch.Tensor) and output.dtype == content.dtype
    expected = content.shape[-2:] if arguments.get("size") is None else output.shape[-2:]
    assert output.shape[:-2] == content.shape[:-2] and output.shape[-2:] == expected
    assert torch.isfinite(output.float()).all()
    assert 0 <= float(output.float().min()) and float(output.float().max()) <= (255 if content.dtype == torch.uint8 else 1)


@pytest.fixture(scope="module")
def synthesizer(tiny_checkpoint) -> Synthesizer:
    return Synthesizer.from_pretrained(tiny_checkpoint, device="cpu")


@st.composite
def synthesize_arguments(draw: st.DrawFn) -> dict:
    def label_map() -> torch.Tensor | Image.Image:
        height, width = draw(st.integers(1, 24)), draw(st.integers(1, 24))
        low, high = (0, 7) if draw(st.integers(0, 4)) else draw(st.sampled_from([(-1, 7), (0, 8), (0, 256)]))
        ids = torch.randint(low, high, (height, width), generator=torch.Generator().manual_seed(draw(st.integers(0, 999))))
        kind = draw(st.sampled_from(["tensor", "tensor", "pil", "3d", "float"]))
        if kind == "pil":
            return Image.fromarray(ids.clamp(0, 255).to(torch.uint8).numpy(), "L")
        if kind == "float":
            return ids.float()
        return ids[None] if kind == "3d" else ids

    maps = [label_map() for _ in range(draw(st.integers(1, 3)))]
    arguments = {"label_map": maps[0] if len(maps) == 1 else maps}
    good_seed = st.integers(0, 2**40)
    arguments["seed"] = draw(good_seed if draw(st.integers(0, 4)) else st.one_of(st.integers(-3, 2**64), NUMBERS, st.lists(st.integers(0, 9), max_size=3)))
    if draw(st.booleans()):
        arguments["style"] = draw(image_tensors(draw(st.integers(0, 4)) > 0))
    arguments["resize_output"] = draw(st.booleans())
    return arguments


@FUZZ
@given(arguments=synthesize_arguments())
def test_synthesize_returns_images_or_a_documented_error(synthesizer: Synthesizer, arguments: dict) -> None:
    one_thread()
    with documented_errors_only() as errors:
        output = synthesizer.synthesize(**arguments)
    if errors:
        return
    maps = arguments["label_map"] if isinstance(arguments["label_map"], list) else [arguments["label_map"]]
    images = output if isinstance(output, list) else [output]
    assert len(images) == len(maps)
    for image, labels in zip(images, maps):
        assert isinstance(image, Image.Image) and image.mode == "RGB"
        size = labels.size if isinstance(labels, Image.Image) else (labels.shape[-1], labels.shape[-2])
        if arguments["resize_output"]:
            assert image.size == size
