"""Small AdaIN networks, checkpoints and images built by the tests themselves (no downloads)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from stylesynth.inference import Stylizer
from stylesynth.inference.checkpoints import export_lightning
from stylesynth.nets import AdaINDecoder, AdaINNetwork, VGGEncoder


def make_network(seed: int = 0, stats: str = "biased") -> AdaINNetwork:
    """A random-encoder network with a seeded random decoder whose output depends on its input.

    ``AdaINDecoder()`` starts its last conv at zero (a mid-grey output, for training); here that
    conv gets He-normal weights too, so that different inputs decode differently.
    """
    torch.manual_seed(seed)
    decoder = AdaINDecoder()
    torch.nn.init.kaiming_normal_(decoder.convs["conv1_1"].weight, mode="fan_in", nonlinearity="relu")
    return AdaINNetwork(VGGEncoder.random(seed), decoder, stats=stats)


def random_image(width: int, height: int, seed: int = 0) -> Image.Image:
    generator = torch.Generator().manual_seed(seed)
    pixels = torch.randint(0, 256, (height, width, 3), generator=generator, dtype=torch.uint8)
    return Image.fromarray(pixels.numpy())


@pytest.fixture(scope="session")
def network() -> AdaINNetwork:
    return make_network()


@pytest.fixture(scope="session")
def stylizer(network: AdaINNetwork) -> Stylizer:
    return Stylizer(network, device="cpu", precision="fp32")


@pytest.fixture(scope="session")
def checkpoint_dir(network: AdaINNetwork, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exported checkpoint folder, as `stylesynth export` writes it."""
    state = {f"net.{key}": value for key, value in network.state_dict().items()}
    info = {"kind": "adain", "config": network.config(), "training": {"encoder": "random"}, "global_step": 3}
    return export_lightning(state, info, tmp_path_factory.mktemp("ckpt") / "adain-test")


@pytest.fixture()
def images(tmp_path: Path) -> dict[str, Path]:
    """A content photo of odd size, two styles, a mask, and an unreadable file."""
    paths = {
        "content": tmp_path / "content.png",
        "style_a": tmp_path / "style_a.png",
        "style_b": tmp_path / "style_b.jpg",
        "mask": tmp_path / "mask.png",
        "broken": tmp_path / "broken.png",
    }
    random_image(51, 37, seed=1).save(paths["content"])
    random_image(40, 48, seed=2).save(paths["style_a"])
    random_image(33, 35, seed=3).save(paths["style_b"])
    mask = Image.new("L", (51, 37), 0)
    mask.paste(255, (0, 0, 25, 37))
    mask.save(paths["mask"])
    paths["broken"].write_bytes(b"\x89PNG\r\n\x1a\n but not really")
    return paths
