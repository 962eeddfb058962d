"""The multi-level AdaIN decoder: config round trip, zero-init equals the paper's decoder, odd sizes, export and load, training losses."""

from __future__ import annotations

import math

import pytest
import torch

from stylesynth.inference.checkpoints import export_lightning, load_network
from stylesynth.io import CheckpointError
from stylesynth.nets import AdaINDecoder, AdaINNetwork, VGGEncoder
from stylesynth.nets.adain_multilevel import SKIP_LEVELS, MultiLevelAdaINDecoder, decoder_from_config
from stylesynth.norm.functional import adain

ALL_SKIPS = ["relu1_1", "relu2_1", "relu3_1"]


def multilevel(network: AdaINNetwork, skips: list[str] = ALL_SKIPS, perturb: bool = False) -> AdaINNetwork:
    """``network``'s encoder with a multi-level decoder started from its decoder; ``perturb`` gives the skip convs random weights."""
    decoder = MultiLevelAdaINDecoder.from_decoder(network.decoder, skips)
    if perturb:
        generator = torch.Generator().manual_seed(5)
        with torch.no_grad():
            for parameter in decoder.skip_convs.parameters():
                parameter.copy_(0.1 * torch.randn(parameter.shape, generator=generator))
    return AdaINNetwork(network.encoder, decoder, stats=network.stats, eps=network.eps)


def aligned(network: AdaINNetwork, content: torch.Tensor, style: torch.Tensor) -> list[torch.Tensor]:
    """AdaIN of the content's features to the style's at every level of the network."""
    pairs = zip(network.encode_levels(content), network.encode_levels(style), strict=True)
    return [adain(c, s, eps=network.eps, unbiased=network.unbiased) for c, s in pairs]


def test_levels_and_config_round_trip(network):
    multi = multilevel(network, ["relu3_1", "relu1_1"], perturb=True)  # any order, kept shallowest first
    assert multi.levels == ("relu1_1", "relu3_1", "relu4_1")
    config = multi.config()
    assert config["kind"] == "adain" and config["decoder"] == {"skips": ["relu1_1", "relu3_1"]}
    rebuilt = AdaINNetwork.from_config(config, multi.state_dict())
    assert isinstance(rebuilt.decoder, MultiLevelAdaINDecoder) and rebuilt.config() == config
    for key, value in multi.state_dict().items():
        assert torch.equal(value, rebuilt.state_dict()[key]), key
    assert {key for key in multi.state_dict() if key.startswith("decoder.skip_convs.")} == {
        f"decoder.skip_convs.{level}.{part}" for level in ("relu1_1", "relu3_1") for part in ("weight", "bias")
    }


def test_a_config_without_decoder_is_the_papers(network):
    config = network.config()
    assert "decoder" not in config  # the paper's configs are unchanged
    rebuilt = AdaINNetwork.from_config(config, network.state_dict())
    assert type(rebuilt.decoder) is AdaINDecoder and rebuilt.levels == ("relu4_1",)


def test_zero_initialised_skips_decode_exactly_as_the_papers_decoder(network):
    multi = multilevel(network)
    content, style = torch.rand(2, 3, 37, 51), torch.rand(2, 3, 40, 32)  # odd sizes: the skips are padded
    with torch.no_grad():
        features = aligned(multi, content, style)
        assert torch.equal(multi.decode_levels(features), network.decode_levels(features[-1:]))


@pytest.mark.parametrize("size", [(37, 51), (9, 17), (16, 16), (64, 23)])
def test_output_shapes_on_odd_sizes_and_the_skips_are_used(network, size):
    multi = multilevel(network, perturb=True)
    with torch.no_grad():
        features = aligned(multi, torch.rand(1, 3, *size), torch.rand(1, 3, 20, 20))
        output = multi.decode_levels(features)
        paper = network.decode_levels(features[-1:])
    assert output.shape == (1, 3, 8 * math.ceil(size[0] / 8), 8 * math.ceil(size[1] / 8))
    assert not torch.allclose(output, paper)


def test_the_skip_features_change_the_output_where_they_are(network):
    multi = multilevel(network, ["relu1_1"], perturb=True)
    with torch.no_grad():
        relu1_1, relu4_1 = aligned(multi, torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32))
        changed = relu1_1.clone()
        changed[..., :8, :8] += 1.0
        difference = (multi.decode_levels([changed, relu4_1]) - multi.decode_levels([relu1_1, relu4_1])).abs()
    assert difference[..., :8, :8].mean() > 0 and difference[..., 16:, 16:].max() == 0  # two 3x3 convs reach 2 pixels further


def test_export_and_load_round_trip(network, tmp_path):
    multi = multilevel(network, perturb=True)
    state = {f"net.{key}": value for key, value in multi.state_dict().items()}
    info = {"kind": "adain", "config": multi.config(), "training": {"encoder": "random"}, "global_step": 7}
    folder = export_lightning(state, info, tmp_path / "multilevel")
    loaded = load_network(folder, "adain")
    assert isinstance(loaded, AdaINNetwork) and isinstance(loaded.decoder, MultiLevelAdaINDecoder)
    assert loaded.levels == multi.levels and loaded.config() == multi.config()
    for key, value in multi.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key]), key
    card = (folder / "README.md").read_text()
    assert "multi-level, AdaIN also at relu1_1, relu2_1, relu3_1" in card


def test_stylizer_loads_the_folder_and_stylizes_through_every_level(network, tmp_path):
    from stylesynth.inference import Stylizer

    multi = multilevel(network, perturb=True)
    state = {f"net.{key}": value for key, value in multi.state_dict().items()}
    folder = export_lightning(state, {"kind": "adain", "config": multi.config(), "global_step": 1}, tmp_path / "multilevel")
    stylizer = Stylizer.from_pretrained(folder, device="cpu", precision="fp32")
    assert stylizer.network.levels == ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
    content, style = torch.rand(3, 37, 51), torch.rand(3, 40, 40)
    output = stylizer.stylize(content, style)
    assert output.shape == content.shape
    assert not torch.allclose(output, stylizer.stylize(content, style, alpha=0.5))  # alpha reaches the features
    paper = Stylizer(network, device="cpu", precision="fp32").stylize(content, style)
    assert not torch.allclose(output, paper)  # the skips are used
    zero_skips = Stylizer(multilevel(network), device="cpu", precision="fp32").stylize(content, style)
    assert torch.equal(zero_skips, paper)  # and, at zero, change nothing


@pytest.mark.parametrize(
    ("skips", "message"),
    [([], "one or more distinct layers"), (["relu4_1"], "one or more distinct layers"), (["relu1_1", "relu1_1"], "distinct"), ("relu1_1", "a list of layers")],
)
def test_bad_skips_are_refused(skips, message):
    with pytest.raises(ValueError, match=message):
        MultiLevelAdaINDecoder(skips)


def test_features_that_do_not_fit_are_refused(network):
    multi = multilevel(network)
    with torch.no_grad():
        features = aligned(multi, torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32))
    with pytest.raises(ValueError, match=r"relu1_1 features must be \(N=1, 64, H, W\)"):
        multi.decode_levels(features[-1:] * 4)  # four tensors, all relu4_1's
    with pytest.raises(ValueError, match="expected features at"):
        multi.decode_levels(features[-1:])
    with pytest.raises(ValueError, match="one tensor per skip"):
        multi.decoder(features[-1])
    with pytest.raises(ValueError, match=r"relu2_1 features must be \(N=1, 128, H, W\) with ceil\(H / 4\) = 4"):
        multi.decode_levels([features[0], torch.rand(1, 128, 24, 16), features[2], features[3]])


def test_from_decoder_and_decoder_configs_refuse_what_they_cannot_use(network):
    multi = multilevel(network)
    with pytest.raises(ValueError, match="expected the paper's AdaINDecoder"):
        MultiLevelAdaINDecoder.from_decoder(multi.decoder)
    with pytest.raises(ValueError, match="'decoder' must be"):
        decoder_from_config({"skips": ALL_SKIPS, "kernel": 3})
    with pytest.raises(CheckpointError, match="invalid AdaIN config"):
        AdaINNetwork.from_config({**network.config(), "decoder": {"skips": ["relu5_1"]}})
    assert list(SKIP_LEVELS) == ALL_SKIPS and type(decoder_from_config(None)) is AdaINDecoder


def test_reset_parameters_keeps_the_skips_at_zero():
    decoder = MultiLevelAdaINDecoder(ALL_SKIPS)
    with torch.no_grad():
        for parameter in decoder.skip_convs.parameters():
            parameter.fill_(1.0)
    decoder.reset_parameters()
    assert all(torch.count_nonzero(parameter) == 0 for parameter in decoder.skip_convs.parameters())


# --- training (forward and backward of the losses on tiny tensors; no training run) ---

pytest.importorskip("lightning")


def test_training_module_starts_from_the_checkpoint_and_trains_the_skips(network, checkpoint_dir):
    from models.adain import AdaINModule

    module = AdaINModule(encoder="checkpoint", encoder_path=str(checkpoint_dir), decoder_init=str(checkpoint_dir), decoder_skips=ALL_SKIPS)
    assert module.net.levels == (*ALL_SKIPS, "relu4_1")
    content, style = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        paper_output = network.decoder(adain(network.encoder.encode(content), network.encoder.encode(style)))
    content_loss, style_loss, layout_loss, output = module.losses(content, style)
    torch.testing.assert_close(output.detach(), paper_output, rtol=1e-4, atol=1e-4)  # starts where the paper decoder is (oneDNN picks other conv algorithms with autograd on)
    (content_loss + style_loss).backward()
    for level in ALL_SKIPS:
        assert module.net.decoder.skip_convs[level].weight.grad.abs().sum() > 0, level
    assert all(parameter.grad is None for parameter in module.net.encoder.parameters())


def test_training_decoder_init_needs_its_encoder(checkpoint_dir):
    from models.adain import AdaINModule

    with pytest.raises(ValueError, match="trained on another encoder"):
        AdaINModule(encoder="random", encoder_seed=1, decoder_init=str(checkpoint_dir), decoder_skips=ALL_SKIPS)
    with pytest.raises(ValueError, match="encoder 'checkpoint' needs encoder_path"):
        AdaINModule(encoder="checkpoint")


def test_color_statistics_loss_follows_its_formula():
    from models.adain import color_statistics_loss

    output, style = torch.rand(2, 3, 8, 12), torch.rand(2, 3, 10, 6) * 0.5 + 0.2
    pixels_g, pixels_s = output.flatten(2), style.flatten(2)
    mean_g, mean_s = pixels_g.mean(2), pixels_s.mean(2)
    cov_g = torch.stack([torch.cov(image, correction=0) for image in pixels_g])
    cov_s = torch.stack([torch.cov(image, correction=0) for image in pixels_s])
    expected = ((mean_g - mean_s) ** 2).sum(1).mean() / 3 + ((cov_g - cov_s) ** 2).sum((1, 2)).mean() / 9
    assert math.isclose(color_statistics_loss(output, style).item(), expected.item(), rel_tol=1e-5)
    assert color_statistics_loss(style, style.flip(-1)).item() < 1e-10  # the same pixels in another place
    with pytest.raises(ValueError, match="expected RGB batches"):
        color_statistics_loss(output, style[:1])


def test_color_weight_adds_the_color_term_to_the_training_loss(checkpoint_dir):
    from models.adain import AdaINModule, color_statistics_loss

    common = {"encoder": "checkpoint", "encoder_path": str(checkpoint_dir), "decoder_init": str(checkpoint_dir), "image_every_n_steps": 0}
    content, style = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    without = AdaINModule(**common).training_step((content, style), 0)
    weighted = AdaINModule(**common, color_weight=3.0)
    with_color = weighted.training_step((content, style), 0)
    *_, output = weighted.losses(content, style)
    assert math.isclose(with_color.item() - without.item(), 3.0 * color_statistics_loss(output, style).item(), rel_tol=1e-4, abs_tol=1e-7)
    with pytest.raises(ValueError, match="color_weight must be >= 0"):
        AdaINModule(color_weight=-1.0)


def test_the_encoder_of_a_checkpoint_is_its_own(checkpoint_dir, network):
    from models.adain import build_encoder

    encoder = build_encoder("checkpoint", str(checkpoint_dir))
    assert isinstance(encoder, VGGEncoder)
    for key, value in network.encoder.state_dict().items():
        assert torch.equal(value, encoder.state_dict()[key]), key
