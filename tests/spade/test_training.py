"""Training through Lightning: losses go down, the checkpoint exports, and the export loads for inference."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch

lightning = pytest.importorskip("lightning")

from models.spade import SPADEModule  # noqa: E402
from models.spade_data import SceneDataModule, SegmentationDataModule  # noqa: E402
from stylesynth.cli import main as cli_main  # noqa: E402
from stylesynth.data.scenes import write_scene_folder  # noqa: E402
from stylesynth.inference import Synthesizer  # noqa: E402

from .conftest import tiny_module_arguments  # noqa: E402


def _metrics(log_dir: Path) -> list[dict[str, float]]:
    with open(next(log_dir.rglob("metrics.csv"))) as handle:
        return [{key: float(value) for key, value in row.items() if value} for row in csv.DictReader(handle)]


def test_a_few_steps_lower_the_losses_then_export_and_synthesize(tmp_path: Path) -> None:
    torch.manual_seed(0)
    # The same 8 scenes over and over: the generator's reconstruction must improve quickly.
    data = SceneDataModule(image_size=32, train_scenes=8, batch_size=4)
    module = SPADEModule(**tiny_module_arguments(ngf=8, lambda_l1=10.0, lr_generator=1e-3, image_log_every=5))
    trainer = lightning.Trainer(
        max_steps=2 * 30, accelerator="cpu", devices=1, logger=lightning.pytorch.loggers.CSVLogger(tmp_path),
        log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
    )
    trainer.fit(module, data)
    rows = [row for row in _metrics(tmp_path) if "G/l1" in row]
    assert len(rows) == 30
    mean = lambda key, part: sum(row[key] for row in part) / len(part)  # noqa: E731
    assert mean("G/l1", rows[-5:]) < 0.85 * mean("G/l1", rows[:5])  # the generator reconstructs better
    assert mean("D/total", rows[-5:]) < mean("D/total", rows[:5])  # the discriminator tells real from fake better
    assert all(math.isfinite(row["G/total"]) and math.isfinite(row["D/total"]) for row in rows)
    assert rows[-1]["lr/generator"] < 1e-3  # linear decay has started
    assert list((tmp_path / "lightning_logs").rglob("iteration_0000005.png"))  # the logged grid

    checkpoint = tmp_path / "last.ckpt"
    trainer.save_checkpoint(checkpoint)
    assert torch.load(checkpoint, weights_only=True)["stylesynth"]["kind"] == "spade"
    assert cli_main(["export", str(checkpoint), str(tmp_path / "exported")]) == 0
    synthesizer = Synthesizer.from_pretrained(tmp_path / "exported", device="cpu")
    image = synthesizer.synthesize(torch.zeros(32, 32, dtype=torch.long), seed=0)
    assert image.size == (32, 32)
    exported = sorted(key.split(".")[0] for key in __import__("safetensors.torch").torch.load_file(tmp_path / "exported" / "model.safetensors"))
    assert set(exported) == {"generator", "encoder"}
    card = (tmp_path / "exported" / "README.md").read_text()
    assert "| 6 | tree | `#145a1e` |" in card and "- steps: 30" in card


def test_linear_decay_holds_then_falls_to_zero() -> None:
    module = SPADEModule(**tiny_module_arguments(decay_start=4, decay_end=8))
    module.trainer = type("T", (), {"max_steps": 100})()
    optimizers, schedulers = module.configure_optimizers()
    rates = []
    for _ in range(10):
        rates.append(optimizers[1].param_groups[0]["lr"])
        for optimizer in optimizers:
            optimizer.step()  # no gradients: nothing changes, but the scheduler expects the call first
        for scheduler in schedulers:
            scheduler.step()
    assert rates[:5] == [4e-4] * 5
    assert rates[6] == pytest.approx(2e-4) and rates[8:] == [0.0, 0.0]
    assert optimizers[0].defaults["betas"] == (0.0, 0.9) and optimizers[0].defaults["lr"] == 1e-4


def test_vgg_loss_needs_weights_and_says_how_to_turn_it_off(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="torchvision VGG-19 weights not found"):
        SPADEModule(**tiny_module_arguments(lambda_vgg=10.0, vgg="torchvision"))
    with pytest.raises(ValueError, match="set lambda_vgg: 0 to train without the perceptual loss"):
        SPADEModule(**tiny_module_arguments(lambda_vgg=10.0, vgg="imagenet"))


def test_hed_vgg16_perceptual_loss_is_the_weighted_l1_on_its_relu1_1_to_relu5_1(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    from stylesynth.nets.spade_losses import VGG_LAYER_WEIGHTS
    from stylesynth.nets.vgg import VGGEncoder

    torch.manual_seed(0)
    layout = VGGEncoder(last_layer="relu5_1", preprocessing="caffe", arch="vgg16")
    weights = {f"{name}.{part}": torch.randn_like(getattr(conv, part)) * 0.05 for name, conv in layout.convs.items() for part in ("weight", "bias")}
    save_file(weights, tmp_path / "hed-vgg16.safetensors")
    module = SPADEModule(**tiny_module_arguments(lambda_vgg=10.0, vgg="hed_vgg16", vgg_path=str(tmp_path / "hed-vgg16.safetensors")))
    encoder = module._vgg[0]
    assert encoder.arch == "vgg16" and encoder.last_layer == "relu5_1"
    assert module.training_config()["vgg"] == "hed_vgg16" and module.training_config()["vgg_path"] == "hed-vgg16.safetensors"
    fake, real = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 3, 32, 32) * 2 - 1
    expected = sum(w * (a - b).abs().mean() for w, a, b in zip(VGG_LAYER_WEIGHTS, encoder((fake + 1) / 2), encoder((real + 1) / 2), strict=True))
    from stylesynth.nets.spade_losses import vgg_loss

    torch.testing.assert_close(vgg_loss(encoder, fake, real), expected)
    with pytest.raises(ValueError, match="'hed_vgg16' needs vgg_path"):
        SPADEModule(**tiny_module_arguments(lambda_vgg=10.0, vgg="hed_vgg16"))
    with pytest.raises(ValueError, match="vgg_path is for vgg 'torchvision' or 'hed_vgg16'"):
        SPADEModule(**tiny_module_arguments(lambda_vgg=10.0, vgg="random", vgg_path="x.pth"))


def test_the_model_refuses_data_with_another_class_count(tmp_path: Path) -> None:
    folder = write_scene_folder(tmp_path / "data", 2, 32)
    data = SegmentationDataModule(str(folder), crop_size=32, batch_size=2, num_workers=0)
    module = SPADEModule(**tiny_module_arguments(label_nc=3, class_names=None, palette=None))
    trainer = lightning.Trainer(max_steps=2, accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False)
    with pytest.raises(ValueError, match="the data has 7 classes .* built with label_nc=3; set model.label_nc to 7"):
        trainer.fit(module, data)


def test_training_config_files_parse() -> None:
    import yaml

    for name in ("spade.yaml", "spade-tiny.yaml", "spade-clade.yaml", "spade-default.yaml"):
        config = yaml.safe_load((Path(__file__).parents[2] / "configs" / name).read_text())
        assert config["model"]["class_path"] == "models.spade.SPADEModule"
        init = config["model"]["init_args"]
        assert set(init) <= set(SPADEModule.__init__.__code__.co_varnames)


def test_tiny_config_trains_through_train_py_then_exports_and_loads(tmp_path: Path, monkeypatch) -> None:
    import train

    monkeypatch.chdir(Path(__file__).parents[2])
    cli = train.main([
        "fit", "--config", "configs/spade-tiny.yaml", "--trainer.max_steps", "4", "--trainer.default_root_dir", str(tmp_path),
        "--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false",
    ])
    checkpoint = tmp_path / "tiny.ckpt"
    cli.trainer.save_checkpoint(checkpoint)
    assert cli_main(["export", str(checkpoint), str(tmp_path / "exported")]) == 0
    synthesizer = Synthesizer.from_pretrained(tmp_path / "exported")
    assert synthesizer.classes.names == ("sky", "cloud", "mountain", "water", "sand", "grass", "tree")
    assert synthesizer.output_size == (64, 64) and synthesizer.has_style_encoder
    assert synthesizer.synthesize(torch.zeros(20, 30, dtype=torch.long), seed=1).size == (30, 20)


def test_the_model_refuses_data_with_another_dont_care_setting(tmp_path: Path) -> None:
    folder = write_scene_folder(tmp_path / "data", 2, 32)
    data = SegmentationDataModule(str(folder), crop_size=32, batch_size=2, num_workers=0, dont_care=True)
    module = SPADEModule(**tiny_module_arguments())
    trainer = lightning.Trainer(max_steps=2, accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False)
    with pytest.raises(ValueError, match="data.dont_care is True but model.dont_care is False"):
        trainer.fit(module, data)
