"""The generator loads the official latest_net_G.pth layout and computes what the official architecture computes."""

from __future__ import annotations

import pytest
import torch

from stylesynth.nets import SPADEGenerator

from .official import generator_forward, random_state_dict, state_dict_shapes


def one_hot_map(semantic_nc: int, height: int, width: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(semantic_nc, (2, height // 4, width // 4), generator=generator)
    labels = labels.repeat_interleave(4, 1).repeat_interleave(4, 2)  # blocky regions, like real label maps
    return torch.nn.functional.one_hot(labels, semantic_nc).permute(0, 3, 1, 2).double()


@pytest.mark.parametrize(
    ("mode", "norm", "crop"), [("normal", "sync_batch", 64), ("normal", "instance", 64), ("more", "instance", 128), ("most", "sync_batch", 128)]
)
def test_official_state_dict_loads_and_matches_the_official_forward(mode: str, norm: str, crop: int) -> None:
    semantic_nc, ngf, hidden = 5, 4, 8
    batch_norm = norm == "sync_batch"
    shapes = state_dict_shapes(semantic_nc, ngf, hidden, batch_norm=batch_norm, most=mode == "most")
    state = random_state_dict(shapes)
    model = SPADEGenerator(semantic_nc, ngf=ngf, num_upsampling_layers=mode, crop_size=crop, norm=norm, hidden_channels=hidden).double()
    assert {key: tuple(value.shape) for key, value in model.state_dict().items()} == shapes
    model.load_state_dict(state, strict=True)
    model.eval()
    segmap = one_hot_map(semantic_nc, crop, crop)
    with torch.no_grad():
        ours = model(segmap)
        reference = generator_forward(state, segmap, crop, mode=mode, batch_norm=batch_norm)
    assert ours.shape == (2, 3, crop, crop)
    torch.testing.assert_close(ours, reference, rtol=1e-9, atol=1e-9)


def test_official_vae_generator_with_aspect_ratio_matches() -> None:
    semantic_nc, ngf, hidden, z_dim = 4, 4, 8, 16
    shapes = state_dict_shapes(semantic_nc, ngf, hidden, vae_latent=(1, 2), z_dim=z_dim)
    state = random_state_dict(shapes, seed=1)
    model = SPADEGenerator(semantic_nc, ngf=ngf, crop_size=64, aspect_ratio=2.0, use_vae=True, z_dim=z_dim, hidden_channels=hidden)
    model = model.double().eval()
    model.load_state_dict(state, strict=True)
    segmap = one_hot_map(semantic_nc, 32, 64)
    z = torch.randn(2, z_dim, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(model(segmap, z), generator_forward(state, segmap, 64, 2.0, z=z), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    ("semantic_nc", "crop", "aspect", "vae", "parameters"),
    [(184, 256, 1.0, False, 97_480_899), (151, 256, 1.0, False, 96_492_483), (36, 512, 2.0, False, 93_048_003), (184, 256, 1.0, True, 112_626_883)],
)
def test_paper_configurations_have_the_official_parameter_counts(semantic_nc, crop, aspect, vae, parameters) -> None:
    with torch.device("meta"):
        model = SPADEGenerator(semantic_nc, crop_size=crop, aspect_ratio=aspect, use_vae=vae)
    assert sum(p.numel() for p in model.parameters()) == parameters
    assert len(model.state_dict()) == 234
    if not vae:
        expected = state_dict_shapes(semantic_nc)
        assert {key: tuple(value.shape) for key, value in model.state_dict().items()} == expected
