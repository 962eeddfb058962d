"""A tiny SPADE checkpoint folder, trained for a few steps once per session, shared by the inference tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from stylesynth.data.scenes import SCENE_CLASSES
from stylesynth.inference.checkpoints import export_lightning


@pytest.fixture(autouse=True)
def _one_thread():
    """These tiny networks gain nothing from a second thread, and on a loaded machine OpenMP's
    spinning threads slow them down many times over."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def tiny_module_arguments(**overrides) -> dict:
    arguments = dict(
        label_nc=len(SCENE_CLASSES), class_names=list(SCENE_CLASSES.names), palette=[list(c) for c in SCENE_CLASSES.colours],
        ngf=4, crop_size=32, spade_hidden_channels=8, use_vae=True, z_dim=8, encoder_ndf=4, encoder_image_size=16,
        ndf=4, lambda_vgg=0.0, image_log_every=0,
    )
    arguments.update(overrides)
    return arguments


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """An exported SPADE checkpoint with random (untrained) weights of the tiny configuration."""
    pytest.importorskip("lightning")
    from models.spade import SPADEModule

    torch.manual_seed(0)
    module = SPADEModule(**tiny_module_arguments())
    info = {"kind": "spade", "config": module.network_config, "iteration": 0}
    state = {key: value for key, value in module.state_dict().items()}
    return export_lightning(state, info, tmp_path_factory.mktemp("spade") / "tiny")
