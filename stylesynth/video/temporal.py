r"""Temporally stable video stylization without optical flow: where the content holds still, so does the output.

Per-frame AdaIN flickers because the decoder turns every small change of a frame (sensor noise,
compression, a slight shift) into a different brush texture, all over the picture. The stable mode
keeps a running output :math:`O'_t` and a running content reference :math:`r_t`, and carries the
past over wherever the current content matches the reference:

.. math::
    g_t = B * Y(I_t), \qquad d_t = M * |g_t - r_{t-1}|, \qquad w_t = k\,\exp\bigl(-(d_t / \tau)^2\bigr),

.. math::
    O'_t = w_t\,O'_{t-1} + (1 - w_t)\,O_t, \qquad r_t = w_t\,r_{t-1} + (1 - w_t)\,g_t,

per pixel, with :math:`I_t` the content frame, :math:`O_t` its per-frame stylization, :math:`Y` the
mean of the RGB channels, :math:`B` a 5x5 box blur (so noise does not count as change), :math:`M` a
9x9 maximum filter (so the output near a moving edge, which the decoder's receptive field sees,
follows it), :math:`k` the largest weight of the past and :math:`\tau` the change that counts as
motion. A scene cut, :math:`\mathrm{mean}_p\, |g_t - r_{t-1}| > c`, restarts both at the new frame.
:math:`O'_t` moves at least :math:`1 - k` of the way to :math:`O_t` every frame, so slow changes
arrive within a few frames and nothing is held for good.

Statistics smoothing (AdaIN's content mean and standard deviation averaged over frames) was tried
first and measured: it did not lower this flicker and cost style strength when objects entered the
frame (``bench/results/video-cpu.md``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["TemporalBlend"]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class TemporalBlend:
    """Carries the stylized output over between frames where the content did not change (see the module's formula).

    Args:
        keep: :math:`k`, the largest weight of the previous output, in [0, 1); 0 is plain per-frame output.
        tolerance: :math:`\\tau`, the blurred grey-level change (pixel values in [0, 1]) that counts as motion.
        cut_threshold: :math:`c`, the mean change over the frame that marks a scene cut.

    One instance per clip or per webcam session; feed consecutive frames in order. ``cuts`` lists the
    frame indices where it restarted (0: the first frame).
    """

    BLUR = 5
    DILATE = 9

    def __init__(self, keep: float = 0.8, tolerance: float = 0.05, cut_threshold: float = 0.1) -> None:
        if not _is_number(keep) or not 0.0 <= keep < 1.0:
            raise ValueError(f"keep must be a number in [0, 1), got {keep!r}")
        for name, value in (("tolerance", tolerance), ("cut_threshold", cut_threshold)):
            if not _is_number(value) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        self.keep, self.tolerance, self.cut_threshold = float(keep), float(tolerance), float(cut_threshold)
        self.cuts: list[int] = []
        self._frames = 0
        self._output: Tensor | None = None
        self._reference: Tensor | None = None

    def reset(self) -> None:
        """Forgets the past: the next frame starts afresh (as at a scene cut)."""
        self._output = self._reference = None

    def _grey(self, frame: Tensor) -> Tensor:
        grey = frame.float().mean(0, keepdim=True)[None]
        return F.avg_pool2d(F.pad(grey, [self.BLUR // 2] * 4, mode="replicate"), self.BLUR, stride=1)

    def __call__(self, content: Tensor, stylized: Tensor) -> Tensor:
        """``content``, ``stylized``: ``(N, 3, H, W)`` consecutive frames, same size, in [0, 1]; returns the stable output."""
        if content.shape[0] != stylized.shape[0] or content.shape[-2:] != stylized.shape[-2:]:
            raise ValueError(f"TemporalBlend: content {tuple(content.shape)} and stylized {tuple(stylized.shape)} frames do not match")
        results = []
        for frame, output in zip(content, stylized.float()):
            grey = self._grey(frame.to(stylized.device))
            if self._output is not None and self._output.shape[-2:] != output.shape[-2:]:
                self.reset()
            change = None if self._reference is None else (grey - self._reference).abs()
            if change is None or float(change.mean()) > self.cut_threshold:
                self.cuts.append(self._frames)
                self._output, self._reference = output[None], grey
            else:
                change = F.max_pool2d(change, self.DILATE, stride=1, padding=self.DILATE // 2)
                weight = self.keep * torch.exp(-(change / self.tolerance).square())
                self._output = weight * self._output + (1 - weight) * output[None]
                self._reference = weight * self._reference + (1 - weight) * grey
            results.append(self._output[0])
            self._frames += 1
        return torch.stack(results)
