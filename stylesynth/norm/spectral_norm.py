"""Spectral normalization."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._reparametrization import WeightReparametrization
from .functional import check_eps
from .registry import register_weight


class SpectralNorm(WeightReparametrization):
    """``w = w_orig / sigma(w_orig)``; stores ``{name}_orig`` (parameter), ``{name}_u``, ``{name}_v`` (buffers)."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        super().__init__(name)
        if n_power_iterations < 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be >= 0, got {n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.dim = dim
        self.eps = check_eps(eps, type(self).__name__)

    def stored_names(self) -> list[str]:
        return [self.name + "_orig", self.name + "_u", self.name + "_v"]

    def weight_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.reshape(weight.shape[0], -1)

    def store(self, module: nn.Module, weight: nn.Parameter) -> None:
        self.dim %= weight.dim()
        with torch.no_grad():
            matrix = self.weight_matrix(weight)
            u = F.normalize(torch.randn(matrix.shape[0], dtype=weight.dtype, device=weight.device), dim=0, eps=self.eps)
            v = F.normalize(torch.randn(matrix.shape[1], dtype=weight.dtype, device=weight.device), dim=0, eps=self.eps)
            for _ in range(15):  # start close to the top singular vectors
                v = F.normalize(torch.mv(matrix.t(), u), dim=0, eps=self.eps)
                u = F.normalize(torch.mv(matrix, v), dim=0, eps=self.eps)
        module.register_parameter(self.name + "_orig", weight)
        module.register_buffer(self.name + "_u", u)
        module.register_buffer(self.name + "_v", v)

    def compute_weight(self, module: nn.Module, update: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        matrix = self.weight_matrix(weight)
        if update and self.n_power_iterations > 0:
            with torch.no_grad():
                for _ in range(self.n_power_iterations):
                    v = F.normalize(torch.mv(matrix.t(), u), dim=0, eps=self.eps, out=v)
                    u = F.normalize(torch.mv(matrix, v), dim=0, eps=self.eps, out=u)
                # u and v were updated in place; autograd needs copies that later updates leave alone.
                u = u.clone(memory_format=torch.contiguous_format)
                v = v.clone(memory_format=torch.contiguous_format)
        sigma = torch.dot(u, torch.mv(matrix, v))
        return weight / sigma


@register_weight("spectral_norm")
def spectral_norm(
    module: nn.Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> nn.Module:
    r"""Spectral normalization (Miyato, Kataoka, Koyama & Yoshida, 2018) of ``module.<name>``.

    .. math:: w = \frac{w_{orig}}{\sigma(w_{orig})}, \qquad \sigma \approx u^\top W v

    ``W`` is the weight reshaped to a matrix with axis ``dim`` (0, or 1 for transposed convs) as
    rows; ``u`` and ``v`` estimate its top singular vectors by power iteration,
    ``n_power_iterations`` steps per forward in training mode and none in eval mode (which reuses
    the stored ``u``, ``v``). Stored as ``{name}_orig``, ``{name}_u``, ``{name}_v``: the keys and
    semantics of ``torch.nn.utils.spectral_norm``, so the official SPADE, pix2pixHD and BigGAN
    checkpoints load as they are. :func:`stylesynth.norm.fold` freezes it into a plain weight.
    """
    if dim is None:
        transposed = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
        dim = 1 if isinstance(module, transposed) else 0
    return SpectralNorm(name, n_power_iterations, dim, eps).attach(module)
