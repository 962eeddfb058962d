"""A tiny random-weight Stylizer (as tests/adain build one) and a style image, shared by the video tests."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from stylesynth.inference import Stylizer
from tests.adain.conftest import checkpoint_dir, make_network, network, random_image  # noqa: F401 - fixtures shared with tests/adain


@pytest.fixture(scope="session")
def stylizer() -> Stylizer:
    return Stylizer(make_network(), device="cpu", precision="fp32", batch_size=4)


@pytest.fixture(scope="session")
def style_image() -> Image.Image:
    return random_image(40, 40, seed=5)


@pytest.fixture(scope="session")
def second_style() -> Image.Image:
    generator = torch.Generator().manual_seed(9)
    return Image.fromarray((torch.rand(32, 32, 3, generator=generator) * 120).to(torch.uint8).numpy())
