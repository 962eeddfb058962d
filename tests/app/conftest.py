"""The app under test: tiny random checkpoints written through the library's own save/export
functions, and the app launched on 127.0.0.1 with them (once per session).

The checkpoints are untrained: the tests check that the app wires inputs to the models and back
(sizes, messages, concurrency), not what the pictures look like.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the webapp package lives at the repository root, beside app.py
    sys.path.insert(0, str(ROOT))

from stylesynth.data.scenes import SCENE_CLASSES  # noqa: E402
from stylesynth.inference.checkpoints import export_lightning  # noqa: E402
from stylesynth.io import save_pretrained  # noqa: E402
from stylesynth.nets import AdaINDecoder, AdaINNetwork, SPADENetwork, VGGEncoder  # noqa: E402
from webapp.catalog import Catalog  # noqa: E402
from webapp.config import AppConfig  # noqa: E402
from webapp.server import build_app, launch  # noqa: E402

#: the upload limit of the test app: small, so that "too large" costs little to test
TEST_MAX_PIXELS = 300 * 300
#: generous bound for one request on a busy 2-core machine
REQUEST_TIMEOUT = 120


def write_adain_checkpoint(folder: Path) -> Path:
    """A random AdaIN network saved as an inference checkpoint folder.

    The decoder starts as ``AdaINDecoder.reset_parameters`` makes it, except its last layer: small
    He-normal weights around mid-grey (not the training init's zero weights), so that outputs vary
    with the input and stay in range, and tests can tell one style from another.
    """
    torch.manual_seed(0)
    network = AdaINNetwork(VGGEncoder.random(0), AdaINDecoder())
    last = network.decoder.convs["conv1_1"]
    with torch.no_grad():
        torch.nn.init.kaiming_normal_(last.weight, mode="fan_in", nonlinearity="relu")
        last.weight.mul_(0.05)
        last.bias.fill_(0.5)
    return save_pretrained(folder, network.state_dict(), network.config())


def write_spade_checkpoint(folder: Path) -> Path:
    """A small random SPADE generator with a VAE style encoder, exported as a training run would be."""
    torch.manual_seed(0)
    generator_config = {
        "ngf": 4, "num_upsampling_layers": "normal", "crop_size": 32, "aspect_ratio": 1.0,
        "use_vae": True, "z_dim": 8, "norm": "batch", "spectral": True, "kernel_size": 3, "hidden_channels": 8,
    }
    network = SPADENetwork(SCENE_CLASSES, generator_config, {"ndf": 4, "z_dim": 8, "image_size": 16})
    return export_lightning(network.state_dict(), {"kind": "spade", "config": network.config(), "iteration": 0}, folder)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(demo: Any) -> Iterator[str]:
    """Serves the Gradio app ``demo`` on a free port of 127.0.0.1; yields its URL, closes it after."""
    _, url, _ = launch(demo, host="127.0.0.1", port=free_port(), block=False, quiet=True)
    try:
        yield url
    finally:
        demo.close()


@pytest.fixture(scope="session")
def checkpoint_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``checkpoints/``-like folder with one tiny checkpoint of each kind and a folder that is not one."""
    root = tmp_path_factory.mktemp("checkpoints")
    write_adain_checkpoint(root / "adain-tiny")
    write_spade_checkpoint(root / "spade-tiny")
    (root / "notes").mkdir()
    return root


@pytest.fixture(scope="session")
def served_app(checkpoint_root: Path) -> Iterator[str]:
    """The app on the tiny checkpoints, served on 127.0.0.1; yields its URL."""
    catalog = Catalog.build(checkpoint_root)
    demo = build_app(AppConfig(catalog=catalog, max_input_pixels=TEST_MAX_PIXELS, default_output_side=64))
    with serving(demo) as url:
        yield url


@pytest.fixture(scope="session")
def client(served_app: str, tmp_path_factory: pytest.TempPathFactory):
    """A gradio_client connected to the served app; results download into a temporary folder."""
    from gradio_client import Client

    return Client(served_app, verbose=False, download_files=str(tmp_path_factory.mktemp("downloads")))


def solid_image(path: Path, size: tuple[int, int], colour: tuple[int, int, int] | int = (200, 120, 40), mode: str = "RGB") -> Path:
    """Writes a one-colour image and returns its path."""
    Image.new(mode, size, colour).save(path)
    return path


def noise_image(path: Path, size: tuple[int, int], seed: int = 0) -> Path:
    """Writes an RGB image of seeded noise and returns its path."""
    generator = torch.Generator().manual_seed(seed)
    pixels = torch.randint(0, 256, (size[1], size[0], 3), generator=generator, dtype=torch.uint8)
    Image.fromarray(pixels.numpy()).save(path)
    return path
