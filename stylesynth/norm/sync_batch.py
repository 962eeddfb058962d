"""Synchronized batch normalization over the ranks of a torch.distributed process group."""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn

from ._base import RunningStatsNorm
from .batch import BatchNorm
from .registry import register


def _world_size(process_group) -> int:
    if not (dist.is_available() and dist.is_initialized()):
        return 1
    return dist.get_world_size(process_group)


# torch 2.14 renamed all_gather_into_tensor (still there, deprecated) to all_gather_single.
_all_gather_single = getattr(dist, "all_gather_single", None) or dist.all_gather_into_tensor


class _SyncBatchNormFunction(torch.autograd.Function):
    """Batch norm whose statistics and input gradients are reduced over all ranks.

    Forward gathers each rank's ``(mean, M2, count)`` and combines them with Chan's parallel
    formula (no catastrophic cancellation, exact for uneven batch sizes, a rank may hold 0
    samples). Backward all-reduces the two per-channel sums that the input gradient needs. The
    parameter gradients stay local sums, as a data-parallel wrapper then reduces them.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps, momentum, process_group, world_size):
        channels = x.shape[1]
        dims = (0,) + tuple(range(2, x.dim()))
        stats_dtype = torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype
        count = x.numel() // channels
        if count > 0:
            var, mean = torch.var_mean(x.to(stats_dtype), dim=dims, correction=0)
        else:
            var = mean = torch.zeros(channels, dtype=stats_dtype, device=x.device)
        local = torch.cat([mean, var * count, mean.new_tensor([count])])
        gathered = torch.empty(world_size * local.numel(), dtype=local.dtype, device=local.device)
        _all_gather_single(gathered, local, group=process_group)
        gathered = gathered.view(world_size, local.numel())
        counts = gathered[:, -1:]
        total = int(counts.sum().item())
        if total < 2:
            raise ValueError(
                f"SyncBatchNorm: expected more than 1 value per channel over all ranks when training, got {total}"
            )
        means = gathered[:, :channels]
        mean = (means * counts).sum(0) / total
        m2 = (gathered[:, channels:-1] + counts * (means - mean).square()).sum(0)
        invstd = torch.rsqrt(m2 / total + eps)
        if running_mean is not None:
            running_mean.lerp_(mean.to(running_mean.dtype), momentum)
            running_var.lerp_((m2 / (total - 1)).to(running_var.dtype), momentum)

        shape = (1, channels) + (1,) * (x.dim() - 2)
        scale = invstd if weight is None else invstd * weight.to(stats_dtype)
        shift = -mean * scale if bias is None else bias.to(stats_dtype) - mean * scale
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.total = total
        ctx.process_group = process_group
        ctx.has_bias = bias is not None
        return torch.addcmul(shift.reshape(shape).to(x.dtype), x, scale.reshape(shape).to(x.dtype))

    @staticmethod
    def backward(ctx, grad_output):
        x, weight, mean, invstd = ctx.saved_tensors
        channels = x.shape[1]
        dims = (0,) + tuple(range(2, x.dim()))
        shape = (1, channels) + (1,) * (x.dim() - 2)
        grad = grad_output.to(mean.dtype)
        centered = x.to(mean.dtype) - mean.reshape(shape)
        sum_dy = grad.sum(dims)
        sum_dy_centered = (grad * centered).sum(dims)
        grad_input = grad_weight = grad_bias = None
        if weight is not None and ctx.needs_input_grad[1]:
            grad_weight = (sum_dy_centered * invstd).to(weight.dtype)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_bias = sum_dy.to(weight.dtype)
        if ctx.needs_input_grad[0]:
            sums = torch.cat([sum_dy, sum_dy_centered])
            dist.all_reduce(sums, group=ctx.process_group)
            mean_dy = (sums[:channels] / ctx.total).reshape(shape)
            mean_dy_centered = (sums[channels:] / ctx.total).reshape(shape)
            gain = invstd if weight is None else invstd * weight.to(invstd.dtype)
            inv_var = invstd.square().reshape(shape)
            grad_input = (grad - mean_dy - centered * (inv_var * mean_dy_centered)) * gain.reshape(shape)
            grad_input = grad_input.to(x.dtype)
        return grad_input, grad_weight, grad_bias, None, None, None, None, None, None


@register("sync_batch")
class SyncBatchNorm(RunningStatsNorm):
    r"""Synchronized batch normalization (Peng et al., 2018; Zhang et al., 2018).

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma_c + \beta_c

    As :class:`BatchNorm`, but in training the statistics run over (N, \*) of the whole global
    batch: every rank of ``process_group`` (default: the world) contributes its samples through
    ``torch.distributed`` (gloo on CPU, nccl on CUDA). Biased variance for normalizing, ``eps``
    inside the square root, unbiased variance for the running statistics. Ranks may hold different
    batch sizes, including 0; fewer than 2 values per channel over all ranks is an error. Input
    gradients are reduced over the ranks too, so they equal those of one batch norm over the
    concatenated batch. Outside an initialized process group (or with one rank) and in eval mode
    this is plain batch norm.

    All ranks must call forward (and backward) together, as with any collective.

    Shape:
        ``(N, C)`` or ``(N, C, *)`` in, the same shape and memory format out.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group=None,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        momentum = self._momentum_for_this_step()
        world_size = _world_size(self.process_group)
        if not self._use_batch_stats() or world_size == 1:
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, self._use_batch_stats(), momentum, self.eps
            )
        updating = self.training and self.track_running_stats
        return _SyncBatchNormFunction.apply(
            x,
            self.weight,
            self.bias,
            self.running_mean if updating else None,
            self.running_var if updating else None,
            self.eps,
            momentum,
            self.process_group,
            world_size,
        )


def convert_sync_batchnorm(module: nn.Module, process_group=None) -> nn.Module:
    """Replaces every batch norm in ``module`` (torch's ``BatchNorm1d/2d/3d``, ``SyncBatchNorm``, and
    ours) by :class:`SyncBatchNorm`, keeping parameters (the same tensors), running statistics,
    ``requires_grad`` and train/eval mode. Returns the converted module (a new one when ``module``
    itself is a batch norm)."""
    converted = module
    if isinstance(module, (nn.modules.batchnorm._BatchNorm, BatchNorm)) and not isinstance(module, SyncBatchNorm):
        reference = module.weight if module.affine else module.running_mean
        converted = SyncBatchNorm(
            module.num_features,
            module.eps,
            module.momentum,
            module.affine,
            module.track_running_stats,
            process_group,
            device=reference.device if reference is not None else None,
            dtype=reference.dtype if reference is not None else None,
        )
        if module.affine:
            converted.weight = module.weight
            converted.bias = module.bias
        if module.track_running_stats:
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
        converted.train(module.training)
    for name, child in module.named_children():
        converted.add_module(name, convert_sync_batchnorm(child, process_group))
    return converted
