"""Style transfer with any style model — AdaIN, Magenta's arbitrary-style and 26-style networks — behind one API.

Load once, stylize many times, from many threads. What differs between the model families (what a
style code is, how a batch is rendered) lives in :mod:`stylesynth.inference.style_models`; the
checks, resizing, colour preservation, batching, code cache and precision live here.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor, nn
from torchvision.transforms.v2 import functional as TF

from ..io import ImageError
from ..nets.adain_network import STATS
from ..validation import check_alpha, check_choice, check_mask_count, check_resize, check_side, style_weights
from .checkpoints import load_network
from .color import keep_luminance, match_color
from .image_batches import ImageInput, check_min_size, from_batch, mask_batch, resize_shorter_side, to_batch
from .runtime import InferenceRuntime
from .style_cache import StyleStatsCache, image_key
from .style_models import STYLE_KINDS, Code, StyleModel, family_of

if TYPE_CHECKING:  # the video extra (PyAV) is imported only when a video is stylized
    from ..video import VideoInfo

__all__ = ["StyleInput", "Styles", "Stylizer"]

#: a style: an image (PIL, path, tensor) or, for models with presets, a preset index
StyleInput = ImageInput | int


@dataclass(frozen=True)
class Styles:
    """Checked styles, ready to render with: image batches (float, CPU or their device) or preset indices.

    Made by :meth:`Stylizer.check_styles`; ``weights`` sum to 1; ``weights_given`` tells masks
    whether the caller gave weights (masks and weights exclude each other).
    """

    items: tuple[Tensor | int, ...]
    weights: tuple[float, ...]
    weights_given: bool
    style_size: int | None


class Stylizer(InferenceRuntime):
    """Style transfer: content image + style(s) -> the content painted in the style, for every style model.

    Build it once (:meth:`from_pretrained`, or :meth:`from_public_weights` for AdaIN's public
    weights), then call :meth:`stylize` as often as needed, from any number of threads: the network
    is only read, and the cache of style codes is locked. Device, precision, memory format and
    batching follow :class:`~stylesynth.inference.runtime.InferenceRuntime`, shared with
    :class:`Synthesizer`.

    Models: ``"magenta-arbitrary"`` (Ghiasi et al. 2017: any style image), ``"adain-default"``
    (AdaIN, Huang & Belongie 2017: any style image), ``"magenta-26"`` (Dumoulin et al. 2017: 26
    built-in styles, given as preset indices), or any exported checkpoint of those kinds.

    Args:
        network: a style network (:class:`~stylesynth.nets.AdaINNetwork`,
            :class:`~stylesynth.nets.MagentaArbitraryNetwork`, :class:`~stylesynth.nets.DumoulinNetwork`).
        device: where to run; default CUDA when available, else CPU.
        precision: ``"auto"`` (bfloat16 where the hardware runs it natively, float32
            elsewhere, and always float32 for an AdaIN network with ``stats="unbiased"``, the mode that
            reproduces the PyTorch port's numbers), ``"fp32"`` or ``"bf16"``. Statistics are float32 in every case.
        cache_size: style images whose codes are kept (least recently used dropped first; 0: no cache).
        batch_size: content images per forward pass.

    Example:
        >>> stylizer = Stylizer.from_pretrained("magenta-arbitrary")
        >>> picture = stylizer.stylize(Image.open("photo.jpg"), Image.open("painting.jpg"), alpha=0.8)
        >>> presets = Stylizer.from_pretrained("magenta-26")
        >>> mixed = presets.stylize(Image.open("photo.jpg"), [3, 17], weights=[0.7, 0.3])
    """

    def __init__(
        self,
        network: nn.Module,
        device: str | torch.device | None = None,
        precision: str = "auto",
        cache_size: int = 32,
        batch_size: int = 8,
    ) -> None:
        family = family_of(network)
        if precision == "auto" and family.wants_fp32(network):
            precision = "fp32"
        super().__init__(device, precision, batch_size)
        self.network = self.prepare(network)
        self.model: StyleModel = family(self.network)
        self.cache = StyleStatsCache(cache_size)

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def from_pretrained(
        cls,
        source: str | os.PathLike,
        device: str | torch.device | None = None,
        stats: str | None = None,
        precision: str = "auto",
        cache_size: int = 32,
        batch_size: int = 8,
    ) -> Stylizer:
        """Loads a style model: a bundled name (``"magenta-arbitrary"``, ``"adain-default"``,
        ``"magenta-26"``), a folder from ``stylesynth export`` or its ``model.safetensors``, a
        Lightning ``.ckpt`` of ``models.adain.AdaINModule``, a folder holding AdaIN's public
        ``vgg_normalised.pth`` and ``decoder.pth``, or that ``decoder.pth`` with ``vgg_normalised.pth``
        beside it. An existing path wins over a bundled name.

        ``stats`` overrides an AdaIN checkpoint's variance (``"biased"`` or ``"unbiased"``); other models have no such setting.
        """
        if stats is not None:
            _check_stats(stats)
        network = load_network(source, STYLE_KINDS)
        if stats is not None:
            if not hasattr(network, "stats"):
                raise ValueError(f"stats applies to AdaIN checkpoints only; {source} is a {network.KIND!r} model")
            network.stats = stats
        return cls(network, device=device, precision=precision, cache_size=cache_size, batch_size=batch_size)

    @classmethod
    def from_public_weights(
        cls,
        vgg: str | os.PathLike,
        decoder: str | os.PathLike,
        stats: str = "biased",
        device: str | torch.device | None = None,
        precision: str = "auto",
        cache_size: int = 32,
        batch_size: int = 8,
    ) -> Stylizer:
        """The AdaIN PyTorch port's ``vgg_normalised.pth`` and ``decoder.pth`` (legacy or zip files).

        ``stats="unbiased"`` reproduces that port's numbers exactly (its ``n - 1`` variance, in
        float32) for images whose sides are multiples of 8; the default is the paper's biased variance.
        """
        from ..nets import AdaINNetwork

        _check_stats(stats)
        network = AdaINNetwork.from_public(vgg, decoder, stats=stats)
        return cls(network, device=device, precision=precision, cache_size=cache_size, batch_size=batch_size)

    @property
    def kind(self) -> str:
        """The loaded model's checkpoint kind (``"adain"``, ``"magenta-arbitrary"``, ``"magenta-26"``)."""
        return str(self.network.KIND)

    @property
    def num_presets(self) -> int:
        """The model's built-in styles (given to :meth:`stylize` as indices); 0 when styles are images."""
        return self.model.num_presets

    @property
    def stats(self) -> str:
        """AdaIN's variance estimator: ``"biased"`` or ``"unbiased"`` (AdaIN models only)."""
        stats = getattr(self.network, "stats", None)
        if stats is None:
            raise AttributeError(f"a {self.kind!r} model has no AdaIN statistics setting")
        return str(stats)

    # ---- style transfer --------------------------------------------------------------------

    def stylize(
        self,
        content: ImageInput,
        style: StyleInput | Sequence[StyleInput],
        alpha: float = 1.0,
        weights: Sequence[float] | None = None,
        preserve_color: bool = False,
        mask: ImageInput | Sequence[ImageInput] | None = None,
        size: int | None = None,
        style_size: int | None = None,
    ) -> Image.Image | Tensor:
        r"""Renders ``content`` in the style of ``style``.

        For AdaIN, :math:`t = \alpha \sum_k w_k\,\mathrm{AdaIN}(f(c), f(s_k)) + (1 - \alpha) f(c)`,
        output :math:`g(t)`; for Magenta's arbitrary network the style codes are mixed,
        :math:`z = \alpha \sum_k w_k P(s_k) + (1 - \alpha) P(c)`; for the 26-style network the
        presets' tables are mixed by the weights (see :mod:`stylesynth.inference.style_models`).

        Args:
            content: PIL image, image path, or a ``(3, H, W)`` / ``(N, 3, H, W)`` tensor (uint8, or
                float in [0, 1]). The output has the same type, dtype and size.
            style: one style — an image (same kinds; a tensor batch must have 1 or N images, one per
                content), or for a model with presets (:attr:`num_presets`) a preset index — or a
                list of them to mix with ``weights`` or to route with ``mask``.
            alpha: the style's strength in [0, 1]; 0 gives the content as the model redraws it.
            weights: one non-negative weight per style (normalized to sum 1); default equal.
            preserve_color: keep the content's colours: style images are recoloured to the
                content's colour mean and covariance before encoding (Huang & Belongie 2017, sec. 7);
                presets keep the output's luminance on the content's chrominance (Gatys et al. 2016).
            mask: spatial control. One mask with one style: the style inside the mask, the content's
                own pixels outside (composited with a soft edge, :func:`keep_unmasked`). One mask
                with two styles: the first style where the mask is set, the second elsewhere. A
                list of masks, one per style. Masks have the content's size; greyscale, bool or
                float in [0, 1]. AdaIN gives each position to the style whose mask is largest;
                Magenta's networks blend the styles' norm parameters pixel by pixel.
            size: resize the content so its shorter side is ``size`` first (output at that size).
            style_size: resize each style image so its shorter side is ``style_size`` first.

        Raises:
            ValueError / TypeError: with what was wrong and what is accepted.
        """
        alpha = check_alpha(alpha)
        size = check_side("size", size)
        content_batch, kind = to_batch(content, "content")
        original_size = tuple(content_batch.shape[-2:])
        check_resize("size", size, *original_size, "the content")
        content_batch = resize_shorter_side(content_batch, size)
        check_min_size(content_batch, "content", self.model.min_size)
        styles = self.check_styles(style, weights, style_size, batch=content_batch.shape[0])
        masks = self.prepare_masks(mask, styles, content_batch.shape[0], original_size, tuple(content_batch.shape[-2:]))

        outputs = []
        for rows in self.batches(range(content_batch.shape[0])):
            pick = slice(rows[0], rows[-1] + 1)
            chunk_styles = styles if content_batch.shape[0] == 1 else _select(styles, pick)
            chunk_masks = masks if masks is None or masks.shape[0] == 1 else masks[pick]
            with self.forward():
                chunk = self.render_batch(content_batch[pick], chunk_styles, alpha, preserve_color, chunk_masks)
            outputs.append(chunk.float())
        output = torch.cat(outputs)
        return from_batch(output.cpu() if kind.pil else output, kind)

    def stylize_video(
        self,
        source: str | os.PathLike,
        style: StyleInput | Sequence[StyleInput],
        output: str | os.PathLike,
        alpha: float = 1.0,
        weights: Sequence[float] | None = None,
        preserve_color: bool = False,
        mask: ImageInput | Sequence[ImageInput] | None = None,
        size: int | None = None,
        style_size: int | None = None,
        stable: bool = True,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> VideoInfo:
        """Stylizes the video file ``source`` into ``output`` (needs the ``video`` extra: PyAV).

        Frames are streamed and stylized in batches of ``batch_size`` with the style encoded once;
        the options are :meth:`stylize`'s (``mask``: one static mask of the frame size). The output
        keeps the frame timestamps (rate and duration) and the first audio track; odd sides are
        padded to even for H.264 / VP9. ``stable`` carries the output over from the previous
        frames where the content did not change, restarting at scene cuts
        (:mod:`stylesynth.video.temporal`), which lowers flicker. ``progress(frames done, frames expected or None)`` is called per batch.
        Written under a temporary name and renamed; nothing is left behind on error or interrupt.

        Returns:
            The output's :class:`stylesynth.video.VideoInfo`.

        Raises:
            stylesynth.video.VideoError: an unreadable, truncated or frameless video, or an unsupported output suffix.
        """
        from ..video.stylize import stylize_video

        return stylize_video(self, source, style, output, alpha, weights, preserve_color, mask, size, style_size, stable, progress=progress)

    def style_code(self, style: StyleInput, style_size: int | None = None) -> Code:
        """The model's code of one style (cached for images): AdaIN's per-level ``(mean, std)`` list, Magenta's ``(N, 100)`` vector, a preset's weights."""
        styles = self.check_styles(style, None, style_size)
        with self.forward():
            return self._code(styles.items[0], styles.style_size)

    # ---- the pieces stylize() is made of (also used by video and the webcam) ---------------

    def check_styles(
        self,
        style: StyleInput | Sequence[StyleInput],
        weights: Sequence[float] | None = None,
        style_size: int | None = None,
        batch: int | None = None,
    ) -> Styles:
        """Checks one style or a list of them against this model (images or preset indices) and ``weights``.

        Style images are read and resized (shorter side ``style_size``); a tensor batch must hold 1
        image, or ``batch`` (one per content image) when ``batch`` is given.
        """
        items = list(style) if isinstance(style, (list, tuple)) else [style]
        if not items:
            raise ValueError("style: give at least one style")
        mixing = style_weights(weights, len(items))
        style_size = check_side("style_size", style_size)
        checked: list[Tensor | int] = []
        for index, item in enumerate(items):
            what = "style" if len(items) == 1 else f"style {index + 1}"
            if isinstance(item, numbers.Integral) and not isinstance(item, bool):
                checked.append(self._check_preset(int(item), what))
                continue
            if not self.model.takes_images:
                count = self.model.num_presets
                raise ValueError(
                    f"{what}: this {self.kind!r} model renders its {count} built-in styles; give a preset index 0-{count - 1} "
                    "(`stylesynth presets PHOTO` shows them), not a style image"
                )
            tensor, _ = to_batch(item, what)
            allowed = (1,) if batch is None else (1, batch)
            if tensor.shape[0] not in allowed:
                raise ImageError(f"{what}: a batch of {tensor.shape[0]} style images does not match {batch or 1} content image(s) (give {' or '.join(map(str, allowed))})")
            check_resize("style_size", style_size, *tensor.shape[-2:], f"the {what}")
            tensor = resize_shorter_side(tensor, style_size)
            check_min_size(tensor, what, self.model.style_min_size)
            checked.append(tensor)
        if style_size is not None and all(isinstance(item, int) for item in checked):
            raise ValueError("style_size resizes style images, and these styles are presets (no images): leave style_size out")
        return Styles(tuple(checked), tuple(mixing), weights is not None, style_size)

    def prepare_masks(
        self,
        mask: ImageInput | Sequence[ImageInput] | None,
        styles: Styles,
        batch: int,
        original_size: tuple[int, int],
        size: tuple[int, int],
    ) -> Tensor | None:
        """Masks as one float ``(N or 1, K, H, W)`` tensor, one channel per style, at the working ``size``;
        checked against the content's ``original_size`` and ``batch``."""
        if mask is None:
            return None
        masks = list(mask) if isinstance(mask, (list, tuple)) else [mask]
        style_count = len(styles.items)
        check_mask_count(len(masks), style_count, styles.weights_given)  # one mask, two styles: the complement is added below
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

    def render_batch(self, content: Tensor, styles: Styles, alpha: float, preserve_color: bool = False, masks: Tensor | None = None) -> Tensor:
        """One batch: float ``(N, 3, H, W)`` content in [0, 1] (already checked and resized) -> the output on the device.

        Call inside :meth:`forward`. ``styles`` from :meth:`check_styles`, ``masks`` from
        :meth:`prepare_masks`; style batches hold 1 or N images.
        """
        content = self.to_device(content)
        codes = []
        for item in styles.items:
            if isinstance(item, int):
                codes.append(self.model.preset_code(item))
            elif preserve_color:  # the recoloured style depends on the content: nothing to cache
                codes.append(self.model.image_code(self.to_device(match_color(self.to_device(item), content))))
            else:
                codes.append(self._code(item, styles.style_size))
        device_masks = None if masks is None else self.to_device(masks)
        output = self.model.render(content, codes, list(styles.weights), device_masks, alpha)
        if preserve_color and any(isinstance(item, int) for item in styles.items):
            output = keep_luminance(output.float().clamp(0, 1), content.float()).to(output.dtype)
        if device_masks is not None:
            output = keep_unmasked(output, content, device_masks)
        return output

    # ---- internals -------------------------------------------------------------------------

    def _check_preset(self, index: int, what: str) -> int:
        count = self.model.num_presets
        if not count:
            raise ValueError(f"{what}: this {self.kind!r} model takes style images, not preset indices (presets: the magenta-26 model)")
        if not 0 <= index < count:
            raise ValueError(f"{what}: preset {index} does not exist; this model's presets are 0-{count - 1}")
        return index

    def _code(self, item: Tensor | int, style_size: int | None) -> Code:
        if isinstance(item, int):
            return self.model.preset_code(item)
        key = image_key(item, style_size, self.kind, *self.model.cache_settings, self.precision, str(self.device))
        return self.cache.get_or_compute(key, lambda: self.model.image_code(self.to_device(item)))


# ---- helpers ----------------------------------------------------------------------------------


def keep_unmasked(output: Tensor, content: Tensor, masks: Tensor) -> Tensor:
    r"""The content's own pixels where no mask is set, composited with a soft edge.

    .. math:: y = c + \tilde m\,(g - c), \qquad \tilde m = \mathrm{blur}_\sigma\big(\min(1, \textstyle\sum_k m_k)\big)

    with ``sigma`` 1 % of the shorter side (at least one pixel), so a hard mask's edge fades over a
    few pixels. Where the masks cover everything (two styles with one mask, or complete masks per
    style) nothing changes.
    """
    coverage = masks.float().sum(dim=1, keepdim=True).clamp(max=1.0)
    if bool((coverage >= 1.0).all()):
        return output
    sigma = max(1.0, 0.01 * min(coverage.shape[-2:]))
    kernel = 2 * round(2 * sigma) + 1
    soft = TF.gaussian_blur(coverage, [kernel, kernel], [sigma, sigma])
    return (content.float() + soft * (output.float() - content.float())).to(output.dtype)


def _select(styles: Styles, rows: slice) -> Styles:
    """The styles for content rows ``rows``: per-content style batches sliced, single images kept."""
    items = tuple(item if isinstance(item, int) or item.shape[0] == 1 else item[rows] for item in styles.items)
    return Styles(items, styles.weights, styles.weights_given, styles.style_size)


def _check_stats(stats: Any) -> None:
    check_choice("stats", stats, STATS)
