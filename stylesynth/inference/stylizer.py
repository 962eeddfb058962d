"""Arbitrary style transfer with AdaIN (Huang & Belongie, 2017): load once, stylize many times, from many threads."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from ..io import ImageError
from ..nets import AdaINNetwork
from ..nets.adain_network import STATS
from ..norm.functional import adain, channel_stats
from ..validation import check_alpha, check_choice, check_mask_count, check_resize, check_side, style_weights
from .checkpoints import load_network
from .color import match_color
from .image_batches import ImageInput, check_min_size, from_batch, mask_batch, resize_shorter_side, to_batch
from .runtime import InferenceRuntime
from .style_cache import StyleStatsCache, image_key

if TYPE_CHECKING:  # the video extra (PyAV) is imported only when a video is stylized
    from ..video import VideoInfo

__all__ = ["Stylizer"]

#: The decoder pools three times: padded sizes are multiples of this.
STRIDE = 8


class Stylizer(InferenceRuntime):
    """AdaIN style transfer: content image + style image(s) -> the content painted in the style.

    Build it once (:meth:`from_pretrained` or :meth:`from_public_weights`), then call
    :meth:`stylize` as often as needed, from any number of threads: the network is only read, and
    the cache of style statistics is locked. Device, precision, memory format and batching follow
    :class:`~stylesynth.inference.runtime.InferenceRuntime`, shared with :class:`Synthesizer`.

    Args:
        network: encoder + decoder and their AdaIN settings.
        device: where to run; default CUDA when available, else CPU.
        precision: ``"auto"`` (bfloat16 where the hardware runs it natively, float32
            elsewhere, and always float32 for a network with ``stats="unbiased"``, the mode that
            reproduces the PyTorch port's numbers), ``"fp32"`` or ``"bf16"``. AdaIN's statistics
            are float32 in every case.
        cache_size: style images whose statistics are kept (least recently used dropped first; 0: no cache).
        batch_size: content images per forward pass.

    Example:
        >>> stylizer = Stylizer.from_pretrained("adain-default")
        >>> picture = stylizer.stylize(Image.open("photo.jpg"), Image.open("painting.jpg"), alpha=0.8)
    """

    def __init__(
        self,
        network: AdaINNetwork,
        device: str | torch.device | None = None,
        precision: str = "auto",
        cache_size: int = 32,
        batch_size: int = 8,
    ) -> None:
        if precision == "auto" and network.unbiased:
            precision = "fp32"  # the port-compatible mode exists to reproduce its numbers
        super().__init__(device, precision, batch_size)
        self.network = self.prepare(network)
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
        """Loads a checkpoint: a folder from ``stylesynth export``, its ``model.safetensors``, a
        Lightning ``.ckpt`` of ``models.adain.AdaINModule``, a folder holding the public
        ``vgg_normalised.pth`` and ``decoder.pth``, that ``decoder.pth`` with ``vgg_normalised.pth``
        beside it, or a bundled name (``"adain-default"``). An existing path wins over a bundled name.

        ``stats`` overrides the checkpoint's AdaIN variance (``"biased"`` or ``"unbiased"``).
        """
        if stats is not None:
            _check_stats(stats)
        network = load_network(source, AdaINNetwork.KIND)
        assert isinstance(network, AdaINNetwork)
        if stats is not None:
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
        _check_stats(stats)
        network = AdaINNetwork.from_public(vgg, decoder, stats=stats)
        return cls(network, device=device, precision=precision, cache_size=cache_size, batch_size=batch_size)

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
        alpha = check_alpha(alpha)
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        if not styles:
            raise ValueError("style: give at least one style image")
        mixing = style_weights(weights, len(styles))
        size, style_size = check_side("size", size), check_side("style_size", style_size)

        content_batch, kind = to_batch(content, "content")
        original_size = tuple(content_batch.shape[-2:])
        check_resize("size", size, *original_size, "the content")
        content_batch = resize_shorter_side(content_batch, size)
        check_min_size(content_batch, "content")
        masks = self._prepare_masks(mask, len(styles), weights, content_batch.shape[0], original_size, tuple(content_batch.shape[-2:]))

        style_batches = []
        for index, item in enumerate(styles):
            what = "style" if len(styles) == 1 else f"style {index + 1}"
            batch, _ = to_batch(item, what)
            if batch.shape[0] not in (1, content_batch.shape[0]):
                raise ImageError(f"{what}: a batch of {batch.shape[0]} style images does not match {content_batch.shape[0]} content images (give 1 or {content_batch.shape[0]})")
            check_resize("style_size", style_size, *batch.shape[-2:], f"the {what}")
            batch = resize_shorter_side(batch, style_size)
            check_min_size(batch, what)
            style_batches.append(batch)

        outputs = []
        for rows in self.batches(range(content_batch.shape[0])):
            pick = slice(rows[0], rows[-1] + 1)
            chunk_styles = [batch if batch.shape[0] == 1 else batch[pick] for batch in style_batches]
            chunk_masks = masks if masks is None or masks.shape[0] == 1 else masks[pick]
            with self.forward():
                chunk = self._stylize_batch(content_batch[pick], chunk_styles, alpha, mixing, preserve_color, chunk_masks, style_size)
            outputs.append(chunk.float())
        output = torch.cat(outputs)
        return from_batch(output.cpu() if kind.pil else output, kind)

    def stylize_video(
        self,
        source: str | os.PathLike,
        style: ImageInput | Sequence[ImageInput],
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

    def style_statistics(self, style: ImageInput, style_size: int | None = None) -> tuple[Tensor, Tensor]:
        """The ``(mean, std)`` of a style image's relu4_1 features, each ``(N, 512, 1, 1)`` float32 (cached)."""
        batch, _ = to_batch(style, "style")
        batch = resize_shorter_side(batch, style_size)
        check_min_size(batch, "style")
        with self.forward():
            return self._cached_stats(batch, style_size)

    # ---- internals -------------------------------------------------------------------------

    def _stats(self, features: Tensor) -> tuple[Tensor, Tensor]:
        return channel_stats(features, self.network.eps, self.network.unbiased)

    def _cached_stats(self, style: Tensor, style_size: int | None) -> tuple[Tensor, Tensor]:
        key = image_key(style, style_size, self.stats, self.network.eps, self.precision, str(self.device))
        return self.cache.get_or_compute(key, lambda: self._stats(self.network.encoder.encode(self.to_device(style))))

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
        masks = list(mask) if isinstance(mask, (list, tuple)) else [mask]
        check_mask_count(len(masks), style_count, weights is not None)  # one mask, two styles: the complement is added below
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
        content = self.to_device(content)
        padded = _pad_to_stride(content)
        content_features = self.network.encoder.encode(padded)

        style_stats = []
        for style in styles:
            if preserve_color:  # the recoloured style depends on the content: nothing to cache
                recoloured = match_color(self.to_device(style), content)
                style_stats.append(self._stats(self.network.encoder.encode(recoloured)))
            else:
                style_stats.append(self._cached_stats(style, style_size))

        if masks is None:
            target = sum(
                weight * adain(content_features, style_stats=stats, eps=self.network.eps, unbiased=self.network.unbiased)
                for weight, stats in zip(weights, style_stats, strict=True)
            )
        else:
            target = self._masked_adain(content_features, style_stats, _pad_to_stride(self.to_device(masks)))
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
    check_choice("stats", stats, STATS)
