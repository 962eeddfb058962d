"""Arbitrary style transfer with AdaIN (Huang & Belongie, 2017): load once, stylize many times, from many threads."""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from ..io import CheckpointError, ImageError, load_pretrained, save_pretrained
from ..nets import AdaINDecoder, AdaINNetwork, VGGEncoder
from ..nets.adain_network import STATS
from ..norm.functional import adain, channel_stats
from .color import match_color
from .device import resolve_device
from .image_batches import ImageInput, check_min_size, from_batch, mask_batch, resize_shorter_side, to_batch
from .style_cache import StyleStatsCache, image_key

__all__ = ["KNOWN_CHECKPOINTS", "Stylizer", "export_lightning"]

#: Folder holding the bundled checkpoints (``checkpoints/`` at the repository root).
CHECKPOINT_ROOT = Path(__file__).resolve().parents[2] / "checkpoints"
#: Names :meth:`Stylizer.from_pretrained` knows, and their folders.
KNOWN_CHECKPOINTS = {"adain-default": CHECKPOINT_ROOT / "adain-default"}

PUBLIC_VGG_NAME = "vgg_normalised.pth"
#: The decoder pools three times: padded sizes are multiples of this.
STRIDE = 8


class Stylizer:
    """AdaIN style transfer: content image + style image(s) -> the content painted in the style.

    Build it once (:meth:`from_pretrained` or :meth:`from_public_weights`), then call
    :meth:`stylize` as often as needed, from any number of threads: the network is only read, and
    the cache of style statistics is locked. Runs on CUDA when available (channels_last, optional
    bfloat16 autocast), else on the CPU, under ``torch.inference_mode``.

    Args:
        network: encoder + decoder and their AdaIN settings.
        device: where to run; default CUDA when available, else CPU.
        autocast: run the convolutions in bfloat16 autocast (statistics stay float32).
        cache_size: style images whose statistics are kept (least recently used dropped first; 0: no cache).

    Example:
        >>> stylizer = Stylizer.from_pretrained("adain-default")
        >>> picture = stylizer.stylize(Image.open("photo.jpg"), Image.open("painting.jpg"), alpha=0.8)
    """

    def __init__(
        self,
        network: AdaINNetwork,
        device: str | torch.device | None = None,
        autocast: bool = False,
        cache_size: int = 32,
    ) -> None:
        self.device = resolve_device(device)
        self.autocast = bool(autocast)
        self.memory_format = torch.channels_last if self.device.type == "cuda" else torch.contiguous_format
        self.network = network.eval().requires_grad_(False).to(self.device, memory_format=self.memory_format)
        self.cache = StyleStatsCache(cache_size)

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def from_pretrained(
        cls,
        source: str | os.PathLike,
        device: str | torch.device | None = None,
        stats: str | None = None,
        autocast: bool = False,
        cache_size: int = 32,
    ) -> Stylizer:
        """Loads a checkpoint: a folder from ``stylesynth export`` / :func:`export_lightning`, its
        ``model.safetensors``, a Lightning ``.ckpt`` of ``models.adain.AdaINModule``, the public
        ``decoder.pth`` with ``vgg_normalised.pth`` beside it, or a known name (``"adain-default"``).

        ``stats`` overrides the checkpoint's AdaIN variance (``"biased"`` or ``"unbiased"``).
        """
        network = _load_network(source)
        if stats is not None:
            _check_stats(stats)
            network.stats = stats
        return cls(network, device=device, autocast=autocast, cache_size=cache_size)

    @classmethod
    def from_public_weights(
        cls,
        vgg: str | os.PathLike,
        decoder: str | os.PathLike,
        stats: str = "biased",
        device: str | torch.device | None = None,
        autocast: bool = False,
        cache_size: int = 32,
    ) -> Stylizer:
        """The AdaIN PyTorch port's ``vgg_normalised.pth`` and ``decoder.pth`` (legacy or zip files).

        ``stats="unbiased"`` reproduces that port's numbers exactly (its ``n - 1`` variance) for
        images whose sides are multiples of 8; the default is the paper's biased variance.
        """
        _check_stats(stats)
        network = AdaINNetwork(VGGEncoder.from_vgg_normalised(vgg), AdaINDecoder.from_public(decoder), stats=stats)
        return cls(network, device=device, autocast=autocast, cache_size=cache_size)

    @property
    def stats(self) -> str:
        """The variance estimator of AdaIN's statistics: ``"biased"`` or ``"unbiased"``."""
        return self.network.stats

    # ---- style transfer --------------------------------------------------------------------

    def stylize(
        self,
        content: ImageInput,
        style: ImageInput | Sequence[ImageInput],
        alpha: float = 1.0,
        weights: Sequence[float] | None = None,
        preserve_color: bool = False,
        mask: ImageInput | Sequence[ImageInput] | None = None,
        size: int | None = None,
        style_size: int | None = None,
    ) -> Image.Image | Tensor:
        r"""Renders ``content`` in the style of ``style``.

        .. math:: t = \alpha \sum_k w_k\,\mathrm{AdaIN}(f(c), f(s_k)) + (1 - \alpha) f(c), \qquad \text{output} = g(t)

        Args:
            content: PIL image, image path, or a ``(3, H, W)`` / ``(N, 3, H, W)`` tensor (uint8, or
                float in [0, 1]). The output has the same type, dtype and size.
            style: one style image (same kinds; a tensor batch must have 1 or N images, one per
                content), or a list of them to interpolate or to route with ``mask``.
            alpha: content/style trade-off in [0, 1]; 0 gives the decoded content features.
            weights: one non-negative weight per style (normalized to sum 1); default equal.
            preserve_color: recolour each style image to the content's colour mean and covariance
                before encoding, so the output keeps the content's colours.
            mask: spatial control (paper sec. 7). One mask with one style: the style inside the
                mask, the content outside. One mask with two styles: the first style where the mask
                is set, the second elsewhere. A list of masks, one per style: each position takes
                the style whose mask is largest (positions where every mask is below 0.5 keep the
                content). Masks have the content's size; greyscale, bool or float.
            size: resize the content so its shorter side is ``size`` first (output at that size).
            style_size: resize each style image so its shorter side is ``style_size`` first.

        Raises:
            ValueError / TypeError: with what was wrong and what is accepted.
        """
        alpha = _check_alpha(alpha)
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        if not styles:
            raise ValueError("style: give at least one style image")
        mixing = _check_weights(weights, len(styles))
        for name, value in (("size", size), ("style_size", style_size)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 16):
                raise ValueError(f"{name} must be an integer of at least 16 pixels (the shorter side), got {value!r}")

        content_batch, kind = to_batch(content, "content")
        original_size = tuple(content_batch.shape[-2:])
        content_batch = resize_shorter_side(content_batch, size)
        check_min_size(content_batch, "content")
        masks = self._prepare_masks(mask, len(styles), weights, content_batch.shape[0], original_size, tuple(content_batch.shape[-2:]))

        style_batches = []
        for index, item in enumerate(styles):
            what = "style" if len(styles) == 1 else f"style {index + 1}"
            batch, _ = to_batch(item, what)
            if batch.shape[0] not in (1, content_batch.shape[0]):
                raise ImageError(f"{what}: a batch of {batch.shape[0]} style images does not match {content_batch.shape[0]} content images (give 1 or {content_batch.shape[0]})")
            batch = resize_shorter_side(batch, style_size)
            check_min_size(batch, what)
            style_batches.append(batch)

        with torch.inference_mode(), self._autocast():
            output = self._stylize_batch(content_batch, style_batches, alpha, mixing, preserve_color, masks, style_size)
        return from_batch(output.float().cpu() if kind.pil else output.float(), kind)

    def style_statistics(self, style: ImageInput, style_size: int | None = None) -> tuple[Tensor, Tensor]:
        """The ``(mean, std)`` of a style image's relu4_1 features, each ``(N, 512, 1, 1)`` float32 (cached)."""
        batch, _ = to_batch(style, "style")
        batch = resize_shorter_side(batch, style_size)
        check_min_size(batch, "style")
        with torch.inference_mode(), self._autocast():
            return self._cached_stats(batch, style_size)

    # ---- internals -------------------------------------------------------------------------

    def _autocast(self) -> contextlib.AbstractContextManager:
        if not self.autocast:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def _to_device(self, batch: Tensor) -> Tensor:
        return batch.to(self.device, non_blocking=True).contiguous(memory_format=self.memory_format)

    def _stats(self, features: Tensor) -> tuple[Tensor, Tensor]:
        return channel_stats(features, self.network.eps, self.network.unbiased)

    def _cached_stats(self, style: Tensor, style_size: int | None) -> tuple[Tensor, Tensor]:
        key = image_key(style, style_size, self.stats, self.network.eps, self.autocast, str(self.device))
        return self.cache.get_or_compute(key, lambda: self._stats(self.network.encoder.encode(self._to_device(style))))

    def _prepare_masks(
        self,
        mask: ImageInput | Sequence[ImageInput] | None,
        style_count: int,
        weights: Sequence[float] | None,
        batch: int,
        original_size: tuple[int, int],
        size: tuple[int, int],
    ) -> Tensor | None:
        """Masks as one float ``(N or 1, K, H, W)`` tensor, one channel per style; validated against the content."""
        if mask is None:
            return None
        if weights is not None:
            raise ValueError("weights and mask cannot be combined: with a mask each region takes one style")
        masks = list(mask) if isinstance(mask, (list, tuple)) else [mask]
        one_mask_two_styles = len(masks) == 1 and style_count == 2  # the complement is added below
        if len(masks) != style_count and not one_mask_two_styles:
            raise ValueError(
                f"mask: got {len(masks)} mask(s) for {style_count} style(s); give one mask per style, "
                "or one mask with one style (styled inside) or with two styles (first inside, second outside)"
            )
        tensors = []
        for index, item in enumerate(masks):
            what = "mask" if len(masks) == 1 else f"mask {index + 1}"
            tensor = mask_batch(item, what)
            if tuple(tensor.shape[-2:]) != original_size:
                raise ImageError(
                    f"{what}: size {tensor.shape[-1]}x{tensor.shape[-2]} does not match the content's size "
                    f"{original_size[1]}x{original_size[0]} (width x height)"
                )
            if tensor.shape[0] not in (1, batch):
                raise ImageError(f"{what}: a batch of {tensor.shape[0]} masks does not match {batch} content images")
            tensors.append(tensor)
        if len(masks) == 1 and style_count == 2:
            tensors.append(1.0 - tensors[0])
        stacked = torch.cat([t.expand(max(t.shape[0] for t in tensors), -1, -1, -1) for t in tensors], dim=1)
        if tuple(stacked.shape[-2:]) != size:
            stacked = F.interpolate(stacked, size=size, mode="bilinear", align_corners=False, antialias=True)
        return stacked

    def _stylize_batch(
        self,
        content: Tensor,
        styles: list[Tensor],
        alpha: float,
        weights: list[float],
        preserve_color: bool,
        masks: Tensor | None,
        style_size: int | None,
    ) -> Tensor:
        height, width = content.shape[-2:]
        content = self._to_device(content)
        padded = _pad_to_stride(content)
        content_features = self.network.encoder.encode(padded)

        style_stats = []
        for style in styles:
            if preserve_color:  # the recoloured style depends on the content: nothing to cache
                recoloured = match_color(self._to_device(style), content)
                style_stats.append(self._stats(self.network.encoder.encode(recoloured)))
            else:
                style_stats.append(self._cached_stats(style, style_size))

        if masks is None:
            target = sum(
                weight * adain(content_features, style_stats=stats, eps=self.network.eps, unbiased=self.network.unbiased)
                for weight, stats in zip(weights, style_stats, strict=True)
            )
        else:
            target = self._masked_adain(content_features, style_stats, _pad_to_stride(self._to_device(masks)))
        if alpha < 1.0:
            target = alpha * target + (1.0 - alpha) * content_features
        decoded = self.network.decoder(target)
        return decoded[..., :height, :width]

    def _masked_adain(self, features: Tensor, style_stats: list[tuple[Tensor, Tensor]], masks: Tensor) -> Tensor:
        """AdaIN per region (paper sec. 7): each region's content statistics come from that region alone."""
        pooled = F.adaptive_avg_pool2d(masks.float(), features.shape[-2:])  # masks padded to a multiple of 8
        strength, assignment = pooled.max(dim=1)  # (N or 1, h, w)
        assignment = torch.where(strength >= 0.5, assignment, torch.full_like(assignment, -1))
        target = features.clone()
        minimum = 2 if self.network.unbiased else 1
        for sample in range(features.shape[0]):
            regions = assignment[sample if assignment.shape[0] > 1 else 0]
            for index, (mean, std) in enumerate(style_stats):
                region = regions == index
                if int(region.sum()) < minimum:
                    continue
                selected = features[sample][:, region].unsqueeze(0)  # (1, C, P)
                stats = (mean[sample if mean.shape[0] > 1 else 0][None], std[sample if std.shape[0] > 1 else 0][None])
                styled = adain(selected, style_stats=stats, eps=self.network.eps, unbiased=self.network.unbiased)
                target[sample][:, region] = styled[0]
        return target


# ---- helpers ----------------------------------------------------------------------------------


def _pad_to_stride(batch: Tensor) -> Tensor:
    """Pads bottom and right by reflection to multiples of 8, so the output can be cropped to the input's size."""
    height, width = batch.shape[-2:]
    pad_h, pad_w = (-height) % STRIDE, (-width) % STRIDE
    if not (pad_h or pad_w):
        return batch
    return F.pad(batch, (0, pad_w, 0, pad_h), mode="reflect")


def _check_stats(stats: str) -> None:
    if stats not in STATS:
        raise ValueError(f"stats must be one of {', '.join(STATS)}, got {stats!r}")


def _check_alpha(alpha: float) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
        raise TypeError(f"alpha must be a number in [0, 1], got {type(alpha).__name__}")
    if not (0.0 <= float(alpha) <= 1.0):  # also rejects NaN
        raise ValueError(f"alpha must be in [0, 1] (0: content only, 1: full style), got {alpha}")
    return float(alpha)


def _check_weights(weights: Sequence[float] | None, count: int) -> list[float]:
    """Style weights normalized to sum 1; equal weights when ``None``."""
    if weights is None:
        return [1.0 / count] * count
    values = list(weights)
    if len(values) != count:
        raise ValueError(f"weights: got {len(values)} weight(s) for {count} style(s); give one weight per style")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"weights must be finite non-negative numbers, got {values}")
    total = float(sum(values))
    if total <= 0:
        raise ValueError(f"weights must not all be zero, got {values}")
    return [float(value) / total for value in values]


def _load_network(source: str | os.PathLike) -> AdaINNetwork:
    """The network behind any source :meth:`Stylizer.from_pretrained` accepts."""
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"expected a checkpoint folder, a file path or a known name, got {type(source).__name__}")
    path = Path(source)
    if not path.exists() and str(source) in KNOWN_CHECKPOINTS:
        path = KNOWN_CHECKPOINTS[str(source)]
        if not path.is_dir():
            raise CheckpointError(f"the bundled checkpoint {source!r} is not at {path} (it ships in the stylesynth repository's checkpoints/ folder)")
    if path.is_dir():
        state_dict, config = load_pretrained(path, kind="adain")
        return AdaINNetwork.from_config(config, state_dict, source=str(path))
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".safetensors":
            return _load_network(path.parent)
        if suffix == ".ckpt":
            from ..io import read_lightning_checkpoint

            state_dict, info = read_lightning_checkpoint(path)
            return _network_from_lightning(state_dict, info, str(path))
        if suffix in (".pth", ".pt"):
            vgg = path.parent / PUBLIC_VGG_NAME
            if not vgg.is_file():
                raise CheckpointError(f"{path}: a public decoder.pth needs {PUBLIC_VGG_NAME} beside it (not found at {vgg}); or use Stylizer.from_public_weights(vgg, decoder)")
            return AdaINNetwork(VGGEncoder.from_vgg_normalised(vgg), AdaINDecoder.from_public(path))
        raise CheckpointError(f"{path}: unknown checkpoint file type; expected a folder, model.safetensors, a .ckpt, or decoder.pth")
    known = ", ".join(sorted(KNOWN_CHECKPOINTS))
    raise CheckpointError(f"checkpoint not found: {source} (expected a checkpoint folder, a .safetensors/.ckpt/decoder.pth file, or a known name: {known})")


def _network_from_lightning(state_dict: Mapping[str, Tensor], info: Mapping[str, Any], source: str) -> AdaINNetwork:
    if info.get("kind") != "adain":
        raise CheckpointError(f"{source}: holds a {info.get('kind')!r} checkpoint, expected an 'adain' one")
    weights = {key[len("net.") :]: value for key, value in state_dict.items() if key.startswith("net.")}
    return AdaINNetwork.from_config(info.get("config", {}), weights, source=source)


def export_lightning(
    state_dict: Mapping[str, Tensor],
    info: Mapping[str, Any],
    out_dir: str | os.PathLike,
    overwrite: bool = False,
    dtype: torch.dtype | None = None,
    card: str | None = None,
) -> Path:
    """Writes the inference checkpoint of a ``models.adain.AdaINModule`` Lightning checkpoint.

    ``out_dir`` gets ``model.safetensors`` (``encoder.*`` and ``decoder.*``, in ``dtype`` if given,
    e.g. ``torch.float16`` to halve the size), ``config.json`` and a model card ``README.md``
    (``card`` or a generated one). The weights are validated by building the network first.
    """
    network = _network_from_lightning(state_dict, info, str(out_dir))
    weights = network.state_dict()
    if dtype is not None:
        weights = {key: value.to(dtype) for key, value in weights.items()}
    config = {**network.config(), "training": dict(info.get("training", {})), "global_step": info.get("global_step")}
    config["training"] = {key: value for key, value in config["training"].items() if not key.startswith("_")}
    return save_pretrained(out_dir, weights, config, card=card if card is not None else _model_card(config), overwrite=overwrite)


def _model_card(config: Mapping[str, Any]) -> str:
    training = config.get("training", {})
    lines = [
        "# AdaIN style transfer checkpoint",
        "",
        "Exported by `stylesynth export` from a `models.adain.AdaINModule` training run.",
        "",
        f"- encoder: VGG-19 to relu4_1, `{training.get('encoder', 'unknown')}` weights, settings {config['encoder']}",
        f"- AdaIN statistics: {config['stats']} variance, eps {config['eps']}",
        f"- training steps: {config.get('global_step')}",
        f"- training settings: {training}",
        "",
        "```python",
        "from stylesynth import Stylizer",
        "stylizer = Stylizer.from_pretrained('path/to/this/folder')",
        "image = stylizer.stylize(content, style, alpha=1.0)",
        "```",
        "",
    ]
    return "\n".join(lines)
