"""Training Magenta's arbitrary network: the losses' formulas, the tiny config end to end, export, resume."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

pytest.importorskip("lightning")

from models.ghiasi import GhiasiModule, gram, total_variation  # noqa: E402
from stylesynth.cli import main as cli_main  # noqa: E402
from stylesynth.inference import Stylizer  # noqa: E402
from stylesynth.io import read_lightning_checkpoint  # noqa: E402
from tests.adain.conftest import random_image  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def test_gram_and_total_variation_follow_their_formulas() -> None:
    features = torch.randn(2, 3, 4, 5, dtype=torch.float64)
    expected = torch.stack([f.reshape(3, -1) @ f.reshape(3, -1).T / 20 for f in features])
    torch.testing.assert_close(gram(features).double(), expected, rtol=1e-6, atol=1e-6)
    image = torch.zeros(1, 1, 3, 3)
    image[..., 1, 1] = 1.0  # four unit steps in each direction's 6 differences
    assert math.isclose(total_variation(image).item(), 2 / 6 + 2 / 6, rel_tol=1e-6)


def test_losses_are_magentas_terms() -> None:
    module = GhiasiModule(encoder="random", init=None)
    content, style = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 40, 40)
    content_loss, style_loss, tv_loss, output = module.losses(content, style)
    with torch.no_grad():
        produced = module.encoder(module.net(content, module.net.style_code(style)))
        wanted_content, wanted_style = module.encoder(content), module.encoder(style)
    assert math.isclose(content_loss.item(), torch.mean((produced[2] - wanted_content[2]) ** 2).item(), rel_tol=1e-4)
    expected_style = sum(torch.mean((gram(p) - gram(w)) ** 2) for p, w in zip(produced, wanted_style, strict=True))
    assert math.isclose(style_loss.item(), float(expected_style), rel_tol=1e-4)
    assert math.isclose(tv_loss.item(), total_variation(output).item(), rel_tol=1e-6)
    content_loss.backward()
    assert all(p.grad is None for p in module.net.predictor.parameters())  # frozen by default
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in module.net.transformer.parameters())


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="content_layer must be one of"):
        GhiasiModule(encoder="random", init=None, content_layer="relu9_1")
    with pytest.raises(ValueError, match="style_weight must be >= 0"):
        GhiasiModule(encoder="random", init=None, style_weight=-1)
    with pytest.raises(ValueError, match="encoder must be one of"):
        GhiasiModule(encoder="alexnet", init=None)


def test_tiny_config_trains_exports_resumes_and_loads(tmp_path: Path) -> None:
    import train

    content, style = tmp_path / "content", tmp_path / "style"
    content.mkdir()
    style.mkdir()
    for seed in range(2):
        random_image(48, 40, seed=seed).save(content / f"c{seed}.png")
        random_image(40, 44, seed=10 + seed).save(style / f"s{seed}.png")
    common = [
        "--config", str(REPO / "configs" / "ghiasi-tiny.yaml"),
        "--data.init_args.content_dir", str(content), "--data.init_args.style_dir", str(style),
        "--data.init_args.resize", "40", "--data.init_args.crop", "32",
        "--model.init_args.image_every_n_steps", "1", "--trainer.default_root_dir", str(tmp_path / "run"),
        "--trainer.enable_progress_bar", "false",
    ]  # fmt: skip
    train.main(["fit", *common, "--trainer.max_steps", "2"])
    checkpoint = sorted((tmp_path / "run").rglob("*.ckpt"))[-1]
    state_dict, info = read_lightning_checkpoint(checkpoint)
    assert info["kind"] == "magenta-arbitrary" and info["global_step"] == 2
    assert sorted((tmp_path / "run").rglob("images/step-*.png")), "no image grid was saved"

    train.main(["fit", *common, "--trainer.max_steps", "3", "--ckpt_path", str(checkpoint)])  # resume
    resumed = sorted((tmp_path / "run").rglob("*.ckpt"), key=lambda path: path.stat().st_mtime)[-1]
    assert read_lightning_checkpoint(resumed)[1]["global_step"] == 3

    out = tmp_path / "exported"
    assert cli_main(["export", str(resumed), str(out)]) == 0
    assert "Magenta arbitrary-style transfer" in (out / "README.md").read_text()
    stylizer = Stylizer.from_pretrained(out, device="cpu", precision="fp32")
    trained = read_lightning_checkpoint(resumed)[0]
    for key, value in stylizer.network.state_dict().items():
        torch.testing.assert_close(value, trained[f"net.{key}"])
    assert stylizer.stylize(torch.rand(3, 30, 41), torch.rand(3, 32, 32)).shape == (3, 30, 41)
