"""Training: the tiny config for a few steps, then `stylesynth export`, then Stylizer loads the result."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

pytest.importorskip("lightning")

from models.adain import AdaINModule  # noqa: E402
from models.adain_data import AdaINDataModule  # noqa: E402
from stylesynth.cli import main as cli_main  # noqa: E402
from stylesynth.inference import Stylizer  # noqa: E402
from stylesynth.io import read_lightning_checkpoint  # noqa: E402
from stylesynth.norm.functional import adain, channel_stats  # noqa: E402

from .conftest import random_image  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[Path, Path]:
    content, style = tmp_path / "data" / "content", tmp_path / "data" / "style" / "nested"
    content.mkdir(parents=True)
    style.mkdir(parents=True)
    for seed in range(3):
        random_image(48 + 8 * seed, 40, seed=seed).save(content / f"c{seed}.png")
        random_image(40, 56, seed=10 + seed).save(style / f"s{seed}.jpg")
    return content, tmp_path / "data" / "style"


def test_tiny_config_trains_exports_and_loads(folders, tmp_path, capsys):
    import train

    content, style = folders
    train.main([
        "fit", "--config", str(REPO / "configs" / "adain-tiny.yaml"),
        "--data.init_args.content_dir", str(content), "--data.init_args.style_dir", str(style),
        "--data.init_args.resize", "40", "--data.init_args.crop", "32", "--data.init_args.batch_size", "2",
        "--model.init_args.image_every_n_steps", "1",
        "--trainer.max_steps", "2", "--trainer.default_root_dir", str(tmp_path / "run"),
        "--trainer.enable_progress_bar", "false",
    ])  # fmt: skip
    checkpoints = sorted((tmp_path / "run").rglob("*.ckpt"))
    assert checkpoints, "training wrote no checkpoint"
    assert sorted((tmp_path / "run").rglob("images/step-*.png")), "no image grid was saved"
    state_dict, info = read_lightning_checkpoint(checkpoints[-1])  # weights_only=True inside
    assert info["kind"] == "adain" and info["global_step"] == 2

    out = tmp_path / "exported"
    assert cli_main(["export", str(checkpoints[-1]), str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"model.safetensors", "config.json", "README.md"}
    stylizer = Stylizer.from_pretrained(out, device="cpu", precision="fp32")  # the trained numbers exactly
    trained = {k[len("net.decoder."):]: v for k, v in state_dict.items() if k.startswith("net.decoder.")}
    for key, value in stylizer.network.decoder.state_dict().items():
        torch.testing.assert_close(value, trained[key])
    assert stylizer.stylize(torch.rand(3, 33, 45), torch.rand(3, 32, 32)).shape == (3, 33, 45)


@pytest.mark.parametrize("encoder_name", ["random", "random_carry"])
def test_losses_follow_the_paper(encoder_name):
    module = AdaINModule(encoder=encoder_name)
    content, style = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    content_loss, style_loss, layout_loss, output = module.losses(content, style)
    assert layout_loss.item() == 0.0  # layout_weight 0: the paper's losses only
    encoder = module.net.encoder
    with torch.no_grad():
        target = adain(encoder.encode(content), encoder.encode(style))
        produced, wanted = encoder(module.net.decoder(target)), encoder(style)
    assert math.isclose(content_loss.item(), torch.mean((produced[-1] - target) ** 2).item(), rel_tol=1e-5)
    expected_style = sum(
        torch.mean((channel_stats(p)[0] - channel_stats(w)[0]) ** 2) + torch.mean((channel_stats(p)[1] - channel_stats(w)[1]) ** 2)
        for p, w in zip(produced, wanted, strict=True)
    )
    assert math.isclose(style_loss.item(), expected_style.item(), rel_tol=1e-5)
    assert output.shape == content.shape
    carries = torch.equal(encoder.convs.conv1_1.weight[0, 0], torch.tensor([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]]))
    assert carries == (encoder_name == "random_carry")


def test_layout_loss_compares_channel_normalised_activations_of_output_and_content():
    module = AdaINModule(encoder="random", layout_weight=2.0, layout_layers=["relu1_1", "relu3_1"])
    torch.manual_seed(0)
    content, style = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    _, _, layout_loss, output = module.losses(content, style)
    encoder = module.net.encoder
    with torch.no_grad():
        produced, wanted = encoder(output.detach()), encoder(content)

    def normalised(features: torch.Tensor) -> torch.Tensor:  # per image and channel, biased variance, eps inside the root
        features = features.double()
        mean = features.mean((2, 3), keepdim=True)
        return (features - mean) / (features.var((2, 3), unbiased=False, keepdim=True) + 1e-5).sqrt()

    expected = sum(torch.mean((normalised(produced[i]) - normalised(wanted[i])) ** 2) for i in (0, 2))
    assert math.isclose(layout_loss.item(), expected.item(), rel_tol=1e-4)
    assert layout_loss.requires_grad  # it trains the decoder
    assert AdaINModule(encoder="random", layout_layers="relu3_1")._layout_indices == [2]  # a single name, not its letters
    for layers in (["relu5_1"], [], ["relu2_1", "relu2_1"], "conv3_1"):
        with pytest.raises(ValueError, match="layout_layers must be distinct layers among relu1_1, relu2_1, relu3_1, relu4_1"):
            AdaINModule(encoder="random", layout_layers=layers)
    with pytest.raises(ValueError, match="layout_weight"):
        AdaINModule(encoder="random", layout_weight=-1.0)


def test_only_the_decoder_trains_with_decaying_learning_rate():
    module = AdaINModule(encoder="random", lr=1e-4, lr_decay=5e-5)
    configured = module.configure_optimizers()
    optimizer, schedule = configured["optimizer"], configured["lr_scheduler"]["scheduler"]
    trained = {id(p) for group in optimizer.param_groups for p in group["params"]}
    assert trained == {id(p) for p in module.net.decoder.parameters()}
    assert sum(p.numel() for p in module.net.decoder.parameters()) == 3_505_219
    for _ in range(1000):
        optimizer.step()
        schedule.step()
    assert math.isclose(optimizer.param_groups[0]["lr"], 1e-4 / (1 + 5e-5 * 1000), rel_tol=1e-9)


def learning_rates(module: AdaINModule, steps: int) -> list[float]:
    """The learning rate of each of the first ``steps`` steps of ``module``'s optimizer and schedule."""
    configured = module.configure_optimizers()
    optimizer, schedule = configured["optimizer"], configured["lr_scheduler"]["scheduler"]
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    return rates


def test_warmup_ramps_the_learning_rate_linearly_then_decays():
    seen = learning_rates(AdaINModule(encoder="random", lr=2e-4, lr_decay=5e-5, warmup_steps=9), 20)
    for step, lr in enumerate(seen):
        expected = 2e-4 * min(1.0, (step + 1) / 10) / (1 + 5e-5 * step)
        assert math.isclose(lr, expected, rel_tol=1e-9), step
    with pytest.raises(ValueError, match="warmup_steps"):
        AdaINModule(encoder="random", warmup_steps=-1)


def test_reconstruction_steps_come_first_then_the_adain_losses_with_a_second_warmup(folders, tmp_path):
    import lightning as L
    from lightning.pytorch.loggers import CSVLogger

    content, style = folders
    module = AdaINModule(encoder="random", lr=1e-3, warmup_steps=1, reconstruction_steps=3, image_every_n_steps=0)
    data = AdaINDataModule(str(content), str(style), batch_size=2, resize=40, crop=32, num_workers=0)
    seen: list[tuple[int, str]] = []
    for method in ("reconstruction_loss", "losses"):
        original = getattr(module, method)

        def spy(*args, _original=original, _method=method):
            seen.append((module.global_step, _method))
            return _original(*args)

        setattr(module, method, spy)
    trainer = L.Trainer(
        max_steps=5, accelerator="cpu", logger=CSVLogger(tmp_path), log_every_n_steps=1,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
    )  # fmt: skip
    trainer.fit(module, data)
    assert seen == [(0, "reconstruction_loss"), (1, "reconstruction_loss"), (2, "reconstruction_loss"), (3, "losses"), (4, "losses")]
    logged = (Path(trainer.log_dir) / "metrics.csv").read_text().splitlines()[0]
    assert "train/reconstruction_loss" in logged and "train/content_loss" in logged
    # the warm-up starts again at the switch: lr factors 1/2, 1, 1, then 1/2 again
    schedule = module.configure_optimizers()["lr_scheduler"]["scheduler"]
    factors = [schedule.lr_lambdas[0](step) * (1 + module.hparams.lr_decay * step) for step in range(6)]
    assert factors == pytest.approx([0.5, 1, 1, 0.5, 1, 1])
    # reconstruction_lr sets the first phase's rate
    faster = AdaINModule(encoder="random", lr=1e-4, reconstruction_lr=5e-4, warmup_steps=1, reconstruction_steps=3, lr_decay=0.0)
    assert learning_rates(faster, 6) == pytest.approx([2.5e-4, 5e-4, 5e-4, 0.5e-4, 1e-4, 1e-4])
    with pytest.raises(ValueError, match="reconstruction_lr"):
        AdaINModule(encoder="random", reconstruction_lr=-1.0, reconstruction_steps=3)
    with pytest.raises(ValueError, match="reconstruction_lr .* needs reconstruction_steps > 0"):
        AdaINModule(encoder="random", reconstruction_lr=5e-4)  # would do nothing


def test_reconstruction_loss_is_the_pixel_mse_of_decoding_the_encoding():
    torch.manual_seed(0)
    module = AdaINModule(encoder="random")
    images = torch.rand(2, 3, 32, 32)
    loss, output = module.reconstruction_loss(images)
    with torch.no_grad():
        expected = module.net.decoder(module.net.encoder.encode(images))
    torch.testing.assert_close(output, expected)
    torch.testing.assert_close(loss, (expected - images).pow(2).mean())
    loss.backward()
    assert all(p.grad is None for p in module.net.encoder.parameters())
    assert module.net.decoder.convs["conv1_1"].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="reconstruction_steps"):
        AdaINModule(encoder="random", reconstruction_steps=-1)


def test_data_module_pairs_random_crops_from_nested_folders(folders):
    content, style = folders
    data = AdaINDataModule(str(content), str(style), batch_size=2, resize=40, crop=32, num_workers=0)
    batch_content, batch_style = next(iter(data.train_dataloader()))
    assert batch_content.shape == batch_style.shape == (2, 3, 32, 32)
    assert batch_content.dtype == torch.float32 and 0 <= batch_content.min() and batch_content.max() <= 1


def test_data_module_errors_name_the_problem(folders, tmp_path):
    content, style = folders
    with pytest.raises(ValueError, match="crop size 64 must not exceed the resize size 40"):
        AdaINDataModule(str(content), str(style), resize=40, crop=64)
    (tmp_path / "empty").mkdir()
    data = AdaINDataModule(str(content), str(tmp_path / "empty"), resize=40, crop=32)
    with pytest.raises(ValueError, match="no images in"):
        data.setup("fit")


def test_vgg_normalised_encoder_needs_a_path():
    with pytest.raises(ValueError, match="needs encoder_path"):
        AdaINModule(encoder="vgg_normalised")


def test_hed_vgg16_encoder_and_channels_last_give_the_losses_of_the_contiguous_path(tmp_path):
    from safetensors.torch import save_file

    from stylesynth.nets import VGGEncoder

    weights = VGGEncoder(last_layer="relu5_1", arch="vgg16").convs.state_dict()
    path = tmp_path / "hed-vgg16.safetensors"
    save_file({key: value.contiguous() for key, value in weights.items()}, str(path))
    torch.manual_seed(0)
    plain = AdaINModule(encoder="hed_vgg16", encoder_path=str(path))
    fast = AdaINModule(encoder="hed_vgg16", encoder_path=str(path), channels_last=True)
    fast.net.load_state_dict(plain.net.state_dict())
    assert plain.net.encoder.arch == "vgg16" and list(plain.net.encoder.convs)[-1] == "conv4_1"
    with pytest.raises(ValueError, match="needs encoder_path"):
        AdaINModule(encoder="hed_vgg16")
    fast.on_fit_start()
    content, style = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    expected = plain.losses(content, style)
    got = fast.losses(content.contiguous(memory_format=torch.channels_last), style.contiguous(memory_format=torch.channels_last))
    assert got[3].is_contiguous(memory_format=torch.channels_last)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


def test_checkpoint_records_list_hyper_parameters_for_config_json():
    module = AdaINModule(encoder="random", layout_weight=1.0, layout_layers=["relu3_1"])
    checkpoint: dict = {}
    module.on_save_checkpoint(checkpoint)
    training = checkpoint["stylesynth"]["training"]
    assert training["layout_layers"] == ["relu3_1"] and training["layout_weight"] == 1.0
