"""Colour preservation for style transfer: match an image's colour mean and covariance to another's (CORAL)."""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["keep_luminance", "match_color"]


def _matrix_power(covariance: Tensor, power: float) -> Tensor:
    """``covariance ** power`` of symmetric positive (semi-)definite 3x3 matrices, by eigendecomposition."""
    values, vectors = torch.linalg.eigh(covariance)
    return vectors @ torch.diag_embed(values.clamp_min(1e-10) ** power) @ vectors.transpose(-1, -2)


def match_color(source: Tensor, target: Tensor, eps: float = 1e-5) -> Tensor:
    r"""Recolours ``source`` so its RGB mean and covariance equal ``target``'s (Sun et al., 2016, "CORAL").

    .. math:: x' = \Sigma_t^{1/2}\,(\Sigma_s + \epsilon I)^{-1/2}\,(x - \mu_s) + \mu_t

    with the biased covariance over all pixels; ``eps`` keeps flat (e.g. greyscale) sources finite.
    Computed in float64, clamped to [0, 1]. AdaIN's colour preservation (Huang & Belongie 2017,
    sec. 7) applies it to the style image with the content image as target, before encoding.

    Args:
        source: ``(N or 1, 3, H, W)`` images in [0, 1].
        target: ``(N or 1, 3, H', W')`` images in [0, 1].

    Returns:
        ``(max(N_source, N_target), 3, H, W)``: the source recoloured for each target.
    """
    source64 = source.double().flatten(2)  # (N, 3, M)
    target64 = target.double().flatten(2)
    source_mean = source64.mean(-1, keepdim=True)
    target_mean = target64.mean(-1, keepdim=True)
    source_centered = source64 - source_mean
    target_centered = target64 - target_mean
    identity = torch.eye(3, dtype=torch.float64, device=source.device)
    source_cov = source_centered @ source_centered.transpose(-1, -2) / source64.shape[-1] + eps * identity
    target_cov = target_centered @ target_centered.transpose(-1, -2) / target64.shape[-1]
    transform = _matrix_power(target_cov, 0.5) @ _matrix_power(source_cov, -0.5)
    recoloured = transform @ source_centered + target_mean
    batch = max(source.shape[0], target.shape[0])
    return recoloured.reshape(batch, 3, *source.shape[-2:]).clamp(0, 1).to(source.dtype)


#: RGB -> YIQ (NTSC), rows Y, I, Q
_YIQ = ((0.299, 0.587, 0.114), (0.595716, -0.274453, -0.321263), (0.211456, -0.522591, 0.311135))


def keep_luminance(output: Tensor, content: Tensor) -> Tensor:
    r"""The luminance of ``output`` with the chrominance of ``content`` (Gatys et al. 2016, "Preserving
    color in neural artistic style transfer": luminance-only transfer, in YIQ).

    .. math:: Y = Y(\text{output}), \quad (I, Q) = (I, Q)(\text{content}), \quad \text{result} = \mathrm{RGB}(Y, I, Q)

    Both ``(N or 1, 3, H, W)`` in [0, 1] of the same size; the result is clamped to [0, 1].
    """
    matrix = torch.tensor(_YIQ, dtype=torch.float32, device=output.device)
    out_yiq = torch.einsum("rc,nchw->nrhw", matrix, output.float())
    content_yiq = torch.einsum("rc,nchw->nrhw", matrix, content.float())
    mixed = torch.cat([out_yiq[:, :1], content_yiq[:, 1:].expand(out_yiq.shape[0], -1, -1, -1)], dim=1)
    return torch.einsum("rc,nchw->nrhw", torch.linalg.inv(matrix), mixed).clamp(0, 1)
