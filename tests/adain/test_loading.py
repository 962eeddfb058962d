"""Stylizer.from_pretrained / from_public_weights: every loading path, the port's numbers, clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from torch import nn

from stylesynth.inference import Stylizer
from stylesynth.inference.checkpoints import export_lightning
from stylesynth.io import CheckpointError, resolve_checkpoint
from stylesynth.io import checkpoints as checkpoints_module

from .public_formats import DECODER_SHAPES, random_state_dict, save_legacy_and_zip, vgg_normalised_state_dict
from .test_decoder import port_decoder
from .test_vgg import _port_encoder


def _port_style_transfer(vgg: nn.Module, decoder: nn.Module, content, style, alpha):
    """The PyTorch port's test-time pipeline, written out: unbiased variance, eps 1e-5 on the variance."""

    def mean_std(feat):
        n, c = feat.shape[:2]
        var = feat.view(n, c, -1).var(dim=2) + 1e-5
        return feat.view(n, c, -1).mean(dim=2).view(n, c, 1, 1), var.sqrt().view(n, c, 1, 1)

    content_f, style_f = vgg(content), vgg(style)
    (cm, cs), (sm, ss) = mean_std(content_f), mean_std(style_f)
    feat = (content_f - cm) / cs * ss + sm
    return decoder(feat * alpha + content_f * (1 - alpha))


@pytest.fixture(scope="module")
def public_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("public")
    vgg_state = vgg_normalised_state_dict(full=False)
    decoder_state = random_state_dict(DECODER_SHAPES, seed=1)
    decoder_state["28.weight"] = decoder_state["28.weight"] * 0.05  # outputs inside [0, 1], so clamping hides nothing
    decoder_state["28.bias"] = torch.full((3,), 0.5)
    vgg_paths = save_legacy_and_zip(vgg_state, folder, "vgg_normalised")
    decoder_paths = save_legacy_and_zip(decoder_state, folder, "decoder")
    (folder / "vgg_normalised.pth").write_bytes(vgg_paths[0].read_bytes())
    (folder / "decoder.pth").write_bytes(decoder_paths[1].read_bytes())
    return {"folder": folder, "vgg": vgg_paths, "decoder": decoder_paths, "vgg_state": vgg_state, "decoder_state": decoder_state}


def test_unbiased_stats_reproduce_the_port_with_public_weights(public_files):
    vgg = _port_encoder(public_files["vgg_state"])
    decoder = port_decoder()
    decoder.load_state_dict(public_files["decoder_state"])
    # Different sizes: with equal sizes the n / (n - 1) factors of content and style cancel out.
    content, style = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 32, 40)
    with torch.no_grad():
        expected = _port_style_transfer(vgg, decoder, content, style, alpha=0.8)
    assert 0.0 < expected.min() and expected.max() < 1.0
    for vgg_path, decoder_path in zip(public_files["vgg"], public_files["decoder"], strict=True):  # legacy, zip
        port_compatible = Stylizer.from_public_weights(vgg_path, decoder_path, stats="unbiased", device="cpu")
        torch.testing.assert_close(port_compatible.stylize(content, style, alpha=0.8), expected)
    paper = Stylizer.from_public_weights(public_files["vgg"][0], public_files["decoder"][0], device="cpu")
    assert paper.stats == "biased"
    assert not torch.allclose(paper.stylize(content, style, alpha=0.8), expected, rtol=0, atol=1e-5)


def test_decoder_pth_with_vgg_beside_it(public_files):
    stylizer = Stylizer.from_pretrained(public_files["folder"] / "decoder.pth", device="cpu", stats="unbiased")
    assert stylizer.stats == "unbiased"
    assert stylizer.stylize(torch.rand(3, 24, 40), torch.rand(3, 32, 32)).shape == (3, 24, 40)


def test_decoder_pth_without_vgg_names_the_missing_file(public_files, tmp_path):
    lonely = tmp_path / "decoder.pth"
    lonely.write_bytes(public_files["decoder"][0].read_bytes())
    with pytest.raises(CheckpointError, match="needs vgg_normalised.pth beside it"):
        Stylizer.from_pretrained(lonely)


def test_public_decoder_with_nan_weights_is_refused_naming_the_key(public_files, tmp_path):
    folder = tmp_path / "damaged"
    folder.mkdir()
    shutil.copy2(public_files["folder"] / "vgg_normalised.pth", folder / "vgg_normalised.pth")
    state = random_state_dict(DECODER_SHAPES)
    first = next(iter(state))
    state[first].view(-1)[0] = float("nan")
    torch.save(state, folder / "decoder.pth")
    with pytest.raises(CheckpointError, match=rf"tensor {first} holds 1 NaN or infinite"):
        Stylizer.from_pretrained(folder)


def test_folder_weights_file_and_bundled_name_load_the_same(checkpoint_dir, network, monkeypatch, tmp_path):
    bundled = tmp_path / "bundled"
    shutil.copytree(checkpoint_dir, bundled / "adain-test-name")
    monkeypatch.setattr(checkpoints_module, "BUNDLED_ROOT", bundled)
    content, style = torch.rand(3, 32, 40), torch.rand(3, 32, 32)
    expected = Stylizer(network, device="cpu").stylize(content, style)
    for source in (checkpoint_dir, str(checkpoint_dir / "model.safetensors"), "adain-test-name"):
        torch.testing.assert_close(Stylizer.from_pretrained(source, device="cpu").stylize(content, style), expected)
    assert (checkpoint_dir / "README.md").is_file()
    assert json.loads((checkpoint_dir / "config.json").read_text())["kind"] == "adain"


def test_an_existing_path_wins_over_a_bundled_name(checkpoint_dir, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(checkpoint_dir, tmp_path / "adain-default")
    assert resolve_checkpoint("adain-default", "adain") == Path("adain-default")
    monkeypatch.chdir(tmp_path / "adain-default")
    assert resolve_checkpoint("adain-default", "adain") == checkpoints_module.BUNDLED_ROOT / "adain-default"


def test_a_bundled_name_of_the_other_kind_says_so():
    with pytest.raises(CheckpointError, match="'spade-default' is a bundled 'spade' checkpoint, expected a .*'adain'"):
        Stylizer.from_pretrained("spade-default")


def test_a_folder_of_the_public_files_loads_like_any_checkpoint_folder(public_files):
    from_folder = Stylizer.from_pretrained(public_files["folder"], device="cpu", stats="unbiased")
    from_files = Stylizer.from_public_weights(public_files["folder"] / "vgg_normalised.pth", public_files["folder"] / "decoder.pth", stats="unbiased", device="cpu")
    content, style = torch.rand(3, 24, 40), torch.rand(3, 32, 32)
    assert from_folder.precision == "fp32"  # the port-compatible mode stays exact
    torch.testing.assert_close(from_folder.stylize(content, style), from_files.stylize(content, style), rtol=0, atol=0)


def test_float16_export_loads_as_float32(network, tmp_path):
    state = {f"net.{key}": value for key, value in network.state_dict().items()}
    folder = export_lightning(state, {"kind": "adain", "config": network.config()}, tmp_path / "half", dtype=torch.float16)
    loaded = Stylizer.from_pretrained(folder, device="cpu", precision="fp32")
    assert all(p.dtype == torch.float32 for p in loaded.network.parameters())
    parameters = sum(p.numel() for p in network.parameters())
    assert (folder / "model.safetensors").stat().st_size < 2.01 * parameters  # two bytes each


def test_other_kind_is_a_clear_error(checkpoint_dir, tmp_path):
    other = tmp_path / "spade"
    other.mkdir()
    (other / "model.safetensors").write_bytes((checkpoint_dir / "model.safetensors").read_bytes())
    (other / "config.json").write_text(json.dumps({"kind": "spade"}))
    with pytest.raises(CheckpointError, match="'spade' checkpoint, expected a .*'adain'"):
        Stylizer.from_pretrained(other)


def test_unknown_source_lists_what_is_accepted(tmp_path):
    with pytest.raises(CheckpointError, match="checkpoint not found.*bundled name: .*adain-default"):
        Stylizer.from_pretrained(tmp_path / "nowhere")
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(CheckpointError, match="unknown checkpoint file type"):
        Stylizer.from_pretrained(tmp_path / "weights.bin")


def test_bad_stats_name_is_rejected(checkpoint_dir):
    with pytest.raises(ValueError, match="biased, unbiased"):
        Stylizer.from_pretrained(checkpoint_dir, stats="population")


def test_unusable_device_is_a_clear_error(network):
    with pytest.raises(ValueError, match="device"):
        Stylizer(network, device="tpu-of-dreams")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            Stylizer(network, device="cuda")
