"""Pure functions behind the normalization layers.

Every function takes activations of shape ``(N, C, *)`` and returns a tensor of the same shape,
dtype and memory format (a channels_last input gives a channels_last output). Statistics of
low-precision inputs (float16, bfloat16) are computed in float32.

The layers in :mod:`stylesynth.norm` are thin modules over these functions.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "adain",
    "batch_renorm",
    "channel_stats",
    "check_input",
    "class_affine",
    "class_positional_map",
    "conditional_instance_norm",
    "instance_norm_modulated",
    "filter_response_norm",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "memory_format_of",
    "rms_norm",
    "spade_modulation",
    "standardize_weight",
    "weight_norm_weight",
]


def check_eps(eps: float, layer: str) -> float:
    """``eps`` as a float when it is a finite number >= 0, else a ValueError naming ``layer``."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not math.isfinite(eps) or eps < 0:
        raise ValueError(f"{layer}: eps must be a finite number >= 0 (it is added to the variance or norm), got {eps!r}")
    return float(eps)


def check_input(x: Tensor, num_features: int | None, layer: str, min_dim: int = 2) -> None:
    """Raises a ``ValueError`` naming the layer when ``x`` is not an ``(N, C, *)`` tensor with ``num_features`` channels."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected a torch.Tensor of shape (N, C, *), got {type(x).__name__}")
    if x.dim() < min_dim:
        shape = "(N, C, *)" if min_dim == 2 else "(N, C, L), (N, C, H, W) or (N, C, D, H, W)"
        raise ValueError(f"{layer}: expected input of shape {shape}, got shape {tuple(x.shape)}")
    if num_features is not None and x.shape[1] != num_features:
        raise ValueError(
            f"{layer}: expected {num_features} channels (dim 1), got {x.shape[1]} in input of shape {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise TypeError(f"{layer}: expected a floating-point tensor, got dtype {x.dtype}")


def memory_format_of(x: Tensor) -> torch.memory_format:
    """``channels_last`` / ``channels_last_3d`` when ``x`` is laid out so (and not also plain contiguous), else contiguous."""
    if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        return torch.channels_last
    if x.dim() == 5 and x.is_contiguous(memory_format=torch.channels_last_3d) and not x.is_contiguous():
        return torch.channels_last_3d
    return torch.contiguous_format


def _stats_dtype(x: Tensor) -> torch.dtype:
    return torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype


def _channel_shape(x: Tensor) -> tuple[int, ...]:
    """Shape that broadcasts a per-channel vector against ``x``: ``(1, C, 1, ..., 1)``."""
    return (1, x.shape[1]) + (1,) * (x.dim() - 2)


def _spatial_dims(x: Tensor) -> tuple[int, ...]:
    return tuple(range(2, x.dim()))


def channel_stats(x: Tensor, eps: float = 1e-5, unbiased: bool = False) -> tuple[Tensor, Tensor]:
    """Per-sample, per-channel mean and standard deviation over the spatial dimensions.

    .. math::
        \\mu_{nc} = \\frac{1}{M}\\sum_m x_{ncm}, \\qquad
        \\sigma_{nc} = \\sqrt{\\frac{1}{M - b}\\sum_m (x_{ncm} - \\mu_{nc})^2 + \\epsilon}

    with ``M`` the number of spatial positions and ``b = 1`` when ``unbiased`` else ``0``.
    ``eps`` is added to the variance, inside the square root.

    Returns ``(mean, std)``, each of shape ``(N, C, 1, ..., 1)`` in the statistics dtype (float32
    for half-precision inputs).
    """
    check_input(x, None, "channel_stats", min_dim=3)
    spatial = math.prod(x.shape[2:])
    if spatial < 2 and unbiased:
        raise ValueError(
            f"channel_stats: the unbiased variance needs more than 1 spatial element, got input of shape {tuple(x.shape)}"
        )
    var, mean = torch.var_mean(x.to(_stats_dtype(x)), dim=_spatial_dims(x), keepdim=True, correction=int(unbiased))
    return mean, (var + eps).sqrt()


def adain(
    content: Tensor,
    style: Tensor | None = None,
    *,
    style_stats: tuple[Tensor, Tensor] | None = None,
    eps: float = 1e-5,
    unbiased: bool = False,
) -> Tensor:
    """Adaptive instance normalization (Huang & Belongie, 2017).

    .. math::
        \\mathrm{AdaIN}(x, y) = \\sigma(y)\\,\\frac{x - \\mu(x)}{\\sigma(x)} + \\mu(y)

    with :func:`channel_stats` for ``mu`` and ``sigma`` (biased variance by default, ``eps`` inside the
    square root). Give either ``style`` (``(N or 1, C, *)``) or its precomputed ``style_stats`` =
    ``(mean, std)`` of shape ``(N or 1, C, 1, ..., 1)`` or ``(N or 1, C)``.
    """
    check_input(content, None, "adain", min_dim=3)
    if (style is None) == (style_stats is None):
        raise ValueError("adain: give exactly one of `style` (a feature tensor) or `style_stats` (a (mean, std) pair)")
    if style is not None:
        check_input(style, content.shape[1], "adain (style)", min_dim=3)
        style_mean, style_std = channel_stats(style, eps, unbiased)
    else:
        style_mean, style_std = style_stats
        per_channel = _channel_shape(content)
        style_mean = style_mean.reshape(style_mean.shape[0], *per_channel[1:])
        style_std = style_std.reshape(style_std.shape[0], *per_channel[1:])
    if style_mean.shape[0] not in (1, content.shape[0]):
        raise ValueError(
            f"adain: style batch {style_mean.shape[0]} must be 1 or the content batch {content.shape[0]}"
        )
    content_mean, content_std = channel_stats(content, eps, unbiased)
    # One fused pass over the content: x * scale + shift.
    scale = style_std / content_std
    shift = style_mean - content_mean * scale
    return torch.addcmul(shift.to(content.dtype), content, scale.to(content.dtype))


def group_norm(
    x: Tensor, groups: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Group normalization (Wu & He, 2018): statistics over (C/G, *) per sample and group, biased variance."""
    if x.shape[1] % groups != 0:
        raise ValueError(f"group_norm: {x.shape[1]} channels cannot be split into {groups} groups")
    _check_values_per_group(x, groups, "group_norm")
    return F.group_norm(x, groups, weight, bias, eps)


def _check_values_per_group(x: Tensor, groups: int, name: str) -> None:
    # One value per group normalizes to a constant; torch refuses the same for batch and instance norm.
    if x.shape[1] // groups * math.prod(x.shape[2:]) < 2:
        raise ValueError(
            f"{name}: expected more than 1 value per group to normalize over, got input of shape {tuple(x.shape)}"
        )


def layer_norm(x: Tensor, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Channels-first layer normalization: statistics over (C, *) per sample, per-channel affine."""
    _check_values_per_group(x, 1, "layer_norm")
    return F.group_norm(x, 1, weight, bias, eps)


def instance_norm(
    x: Tensor,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalization (Ulyanov et al., 2016): statistics over (*) per sample and channel.

    Contiguous input goes through group normalization with one channel per group; channels_last
    input through :func:`_instance_norm_channels_last`. Both keep the input's memory format and
    give correct input gradients where ``torch.nn.functional.instance_norm`` does not (CPU,
    channels_last input and gradient with batch 1, torch 2.14.1).
    """
    if use_input_stats:
        if math.prod(x.shape[2:]) < 2:
            raise ValueError(
                f"instance_norm: expected more than 1 spatial element when using input statistics, got input of shape {tuple(x.shape)}"
            )
        if running_mean is not None and running_var is not None:
            with torch.no_grad():
                var, mean = torch.var_mean(x.to(_stats_dtype(x)), dim=_spatial_dims(x), correction=1)
                running_mean.lerp_(mean.mean(0).to(running_mean.dtype), momentum)
                running_var.lerp_(var.mean(0).to(running_var.dtype), momentum)
        memory_format = memory_format_of(x)
        if x.shape[0] == 0 or memory_format == torch.contiguous_format:
            return F.group_norm(x, x.shape[1], weight, bias, eps)
        if math.prod(x.shape[1:]) >= _PER_SAMPLE_BATCH_NORM_MIN_NUMEL:
            return _instance_norm_channels_last(x, weight, bias, eps)
        # Small samples: the per-sample loop costs more than two copies of the whole tensor.
        return F.group_norm(x.contiguous(), x.shape[1], weight, bias, eps).contiguous(memory_format=memory_format)
    if running_mean is None or running_var is None:
        raise ValueError("instance_norm: running statistics are needed when not using input statistics")
    return F.batch_norm(x, running_mean, running_var, weight, bias, False, 0.0, eps)


#: Channels_last samples of at least this many elements take :func:`_instance_norm_channels_last`;
#: below it the per-sample calls cost more than they save (measured on CPU between 4,096, where
#: the loop was 0.75x torch's instance norm, and 8,192, where it was 1.4x; ``bench/norm.py``).
_PER_SAMPLE_BATCH_NORM_MIN_NUMEL = 8192


def _instance_norm_channels_last(x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float) -> Tensor:
    """Instance norm of a channels_last ``x`` as one batch norm per sample over its ``(*, C)`` rows.

    A channels_last sample is a contiguous ``(H*W, C)`` matrix whose per-column statistics are its
    instance statistics, and torch's batch norm kernels for such matrices are fast forward and
    backward, where group norm's channels_last backward with one channel per group is several
    times slower on CPU (``bench/results/norm-cpu.md``). The output is channels_last.
    """
    n, c = x.shape[:2]
    channels_minor = x.movedim(1, -1)  # contiguous (N, *, C): a view of channels_last x
    rows = channels_minor.reshape(n, -1, c)
    normalized = torch.stack([F.batch_norm(sample, None, None, weight, bias, True, 0.0, eps) for sample in rows.unbind(0)])
    return normalized.view(channels_minor.shape).movedim(-1, 1)


def resize_to(value: Tensor, x: Tensor) -> Tensor:
    """``value`` ``(N, K, *)`` resized to ``x``'s spatial size by (bi/tri)linear interpolation (unchanged when it matches)."""
    if tuple(value.shape[2:]) == tuple(x.shape[2:]):
        return value
    mode = {3: "linear", 4: "bilinear", 5: "trilinear"}[x.dim()]
    return torch.nn.functional.interpolate(value, size=x.shape[2:], mode=mode, align_corners=False)


def conditional_instance_norm(
    x: Tensor, style: Tensor, weight: Tensor, bias: Tensor, eps: float = 1e-5
) -> Tensor:
    r"""Conditional instance normalization (Dumoulin et al., 2017): instance norm, then the affine of each sample's style.

    .. math:: y_{n,c,p} = \Big(\sum_s w_{n,s,p}\,\gamma_{s,c}\Big) \hat x_{n,c,p} + \sum_s w_{n,s,p}\,\beta_{s,c}

    ``style`` is a ``(N,)`` integer tensor of style ids, a ``(N, S)`` float tensor of mixing weights
    over the ``S`` styles (the paper's style interpolation), or a ``(N, S, *)`` float map of
    weights per position (the paper's spatial control, section 5), resized to ``x``'s spatial size
    by (bi/tri)linear interpolation. ``weight`` and ``bias`` are ``(S, C)``; weights are used as given.
    """
    num_styles = weight.shape[0]
    if style.is_floating_point():
        per_position = style.dim() == x.dim() and style.dim() > 2
        if style.dim() not in (2, x.dim()) or style.shape[:2] != (x.shape[0], num_styles):
            raise ValueError(
                f"conditional_instance_norm: mixing weights must have shape (N, {num_styles}) = ({x.shape[0]}, {num_styles}) "
                f"or (N, {num_styles}, *) with as many spatial axes as x, got {tuple(style.shape)}"
            )
        if per_position:  # blend, then resize: equal to resizing the weights (they sum linearly), and cheaper
            gamma = resize_to(torch.einsum("ns...,sc->nc...", style.to(weight.dtype), weight), x)
            beta = resize_to(torch.einsum("ns...,sc->nc...", style.to(bias.dtype), bias), x)
            return instance_norm_modulated(x, gamma, beta, eps)
        gamma, beta = style.to(weight.dtype) @ weight, style.to(bias.dtype) @ bias
    else:
        if style.dim() != 1 or style.shape[0] not in (1, x.shape[0]):
            raise ValueError(
                f"conditional_instance_norm: style ids must have shape (N,) = ({x.shape[0]},), got {tuple(style.shape)}"
            )
        if style.numel() and (int(style.min()) < 0 or int(style.max()) >= num_styles):
            raise ValueError(
                f"conditional_instance_norm: style ids must lie in [0, {num_styles - 1}], got {style.tolist()}"
            )
        gamma, beta = weight[style], bias[style]
    normalized = instance_norm(x, eps=eps)
    shape = (gamma.shape[0], x.shape[1]) + (1,) * (x.dim() - 2)
    return torch.addcmul(beta.reshape(shape).to(x.dtype), normalized, gamma.reshape(shape).to(x.dtype))


def instance_norm_modulated(x: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5) -> Tensor:
    """Instance normalization with a given affine per sample, or per sample and position.

    .. math:: y_{n,c,p} = \\gamma_{n,c,p} \\frac{x_{n,c,p} - \\mu_{n,c}}{\\sqrt{\\sigma^2_{n,c} + \\epsilon}} + \\beta_{n,c,p}

    The conditional instance normalization of Ghiasi et al. 2017 (gamma and beta predicted from a
    style code) and its spatial form (Dumoulin et al. 2017, section 5: per-pixel parameters from
    a mask). ``gamma`` and ``beta`` are ``(N, C)`` (or ``(1, C)``) or ``(N, C, *)`` with the
    input's spatial shape; statistics are biased, over ``(*)``, computed in float32 for
    low-precision input; gamma is used as is (not ``1 + gamma``).
    """
    spatial = tuple(x.shape[2:])
    for name, value in (("gamma", gamma), ("beta", beta)):
        if not isinstance(value, Tensor):
            raise TypeError(f"instance_norm_modulated: {name} must be a tensor, got {type(value).__name__}")
        per_sample = value.dim() == 2
        per_position = value.dim() == x.dim() and tuple(value.shape[2:]) == spatial
        if not (per_sample or per_position) or value.shape[0] not in (1, x.shape[0]) or value.shape[1] != x.shape[1]:
            raise ValueError(
                f"instance_norm_modulated: {name} must have shape ({x.shape[0]}, {x.shape[1]}) or "
                f"({x.shape[0]}, {x.shape[1]}, {', '.join(map(str, spatial))}), got {tuple(value.shape)}"
            )
    normalized = instance_norm(x, eps=eps)

    def expand(value: Tensor) -> Tensor:
        if value.dim() == 2:
            value = value.reshape(value.shape + (1,) * len(spatial))
        return value.to(x.dtype)

    return torch.addcmul(expand(beta), normalized, expand(gamma))


def rms_norm(x: Tensor, weight: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Root-mean-square normalization (Zhang & Sennrich, 2019) over (C, *) per sample.

    .. math:: y = \\frac{x}{\\sqrt{\\frac{1}{CM}\\sum x^2 + \\epsilon}}\\,\\gamma_c
    """
    dims = tuple(range(1, x.dim()))
    mean_square = x.to(_stats_dtype(x)).square().mean(dim=dims, keepdim=True)
    scale = torch.rsqrt(mean_square + eps).to(x.dtype)
    if weight is None:
        return x * scale
    return x * (scale * weight.reshape(_channel_shape(x)).to(x.dtype))


def filter_response_norm(
    x: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    tau: Tensor | None,
    eps: Tensor | float = 1e-6,
) -> Tensor:
    """Filter response normalization with its thresholded linear unit (Singh & Krishnan, 2020).

    .. math::
        \\nu^2_{nc} = \\frac{1}{M}\\sum_m x_{ncm}^2, \\quad
        y = \\gamma_c \\frac{x}{\\sqrt{\\nu^2_{nc} + |\\epsilon|}} + \\beta_c, \\quad
        z = \\max(y, \\tau_c)

    ``tau=None`` leaves out the TLU.
    """
    nu2 = x.to(_stats_dtype(x)).square().mean(dim=_spatial_dims(x), keepdim=True)
    eps_term = eps.abs().reshape(_channel_shape(x)) if isinstance(eps, Tensor) else abs(eps)
    scale = torch.rsqrt(nu2 + eps_term).to(x.dtype)
    if weight is not None:
        scale = scale * weight.reshape(_channel_shape(x)).to(x.dtype)
    y = x * scale
    if bias is not None:
        y = y + bias.reshape(_channel_shape(x)).to(x.dtype)
    if tau is not None:
        y = torch.maximum(y, tau.reshape(_channel_shape(x)).to(x.dtype))
    return y


def batch_renorm(
    x: Tensor,
    running_mean: Tensor,
    running_var: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
    momentum: float = 0.01,
    eps: float = 1e-5,
    r_max: float = 3.0,
    d_max: float = 5.0,
) -> Tensor:
    """Batch renormalization (Ioffe, 2017).

    Training:

    .. math::
        \\hat x = \\frac{x - \\mu_B}{\\sigma_B}\\, r + d, \\quad
        r = \\mathrm{sg}\\Big(\\mathrm{clip}_{[1/r_{max}, r_{max}]}\\frac{\\sigma_B}{\\sigma}\\Big), \\quad
        d = \\mathrm{sg}\\Big(\\mathrm{clip}_{[-d_{max}, d_{max}]}\\frac{\\mu_B - \\mu}{\\sigma}\\Big)

    with batch statistics over (N, *) (biased variance), ``sigma = sqrt(running_var + eps)``, ``sg``
    stopping the gradient; the running statistics then move towards the batch's (unbiased variance),
    as in batch norm. Evaluation is batch norm with the running statistics.
    """
    if not training:
        return F.batch_norm(x, running_mean, running_var, weight, bias, False, 0.0, eps)
    dims = (0,) + _spatial_dims(x)
    count = x.numel() // x.shape[1]
    if count < 2:
        raise ValueError(
            f"batch_renorm: expected more than 1 value per channel when training, got input of shape {tuple(x.shape)}"
        )
    x_stats = x.to(_stats_dtype(x))
    var, mean = torch.var_mean(x_stats, dim=dims, correction=0)
    batch_std = (var + eps).sqrt()
    with torch.no_grad():
        running_std = (running_var.to(var.dtype) + eps).sqrt()
        r = (batch_std / running_std).clamp(1.0 / r_max, r_max)
        d = ((mean - running_mean.to(mean.dtype)) / running_std).clamp(-d_max, d_max)
        running_mean.lerp_(mean.to(running_mean.dtype), momentum)
        running_var.lerp_((var * count / (count - 1)).to(running_var.dtype), momentum)
    scale = r / batch_std
    shift = d - mean * scale
    if weight is not None:
        scale = scale * weight
        shift = shift * weight
    if bias is not None:
        shift = shift + bias
    shape = _channel_shape(x)
    return torch.addcmul(shift.reshape(shape).to(x.dtype), x, scale.reshape(shape).to(x.dtype))


def spade_modulation(normalized: Tensor, gamma: Tensor, beta: Tensor) -> Tensor:
    """SPADE's spatially-adaptive affine (Park et al., 2019): ``normalized * (1 + gamma) + beta``."""
    return torch.addcmul(beta, normalized, 1 + gamma)


def class_affine(
    normalized: Tensor, labels: Tensor, weight: Tensor, bias: Tensor, modulation: Tensor | None = None
) -> Tensor:
    r"""CLADE's class-adaptive affine (Tan et al., 2021): ``normalized * weight[l] + bias[l]`` per position.

    .. math::
        y_{n,c,p} = \hat x_{n,c,p}\,\gamma_{l_{n,p},c}\,(1 + s^\gamma_{n,p}) + \beta_{l_{n,p},c}\,(1 + s^\beta_{n,p})

    ``labels`` are integer class ids ``(N, *)`` at the size of ``normalized`` ``(N, C, *)``;
    ``weight`` (``gamma``) and ``bias`` (``beta``) are ``(label_nc, C)`` tables, looked up by one
    gather (``F.embedding``) of both at once. ``modulation`` is ``None`` or the ``(N, 2, *)`` pair
    ``(s_gamma, s_beta)`` of the intra-class positional encoding. The output has the memory format of
    ``normalized``.
    """
    table = torch.cat([weight, bias], dim=1).to(normalized.dtype)
    channels = normalized.shape[1]
    looked_up = F.embedding(labels, table)  # (N, *, 2C): channels-minor, the layout of channels_last
    if modulation is not None:
        pairs = looked_up.unflatten(-1, (2, channels)) * (1 + modulation.to(normalized.dtype)).movedim(1, -1).unsqueeze(-1)
        looked_up = pairs.flatten(-2)
    gamma, beta = looked_up.movedim(-1, 1).split(channels, dim=1)
    memory_format = memory_format_of(normalized)
    if memory_format == torch.contiguous_format:
        gamma, beta = gamma.contiguous(), beta.contiguous()
    return torch.addcmul(beta, normalized, gamma)


def _neighbour_offsets(spatial_dims: int) -> list[tuple[int, ...]]:
    """Every offset in {-1, 0, 1}^D but the zero one: 8-connectivity in 2-D, 26 in 3-D."""
    offsets = [()]
    for _ in range(spatial_dims):
        offsets = [o + (step,) for o in offsets for step in (-1, 0, 1)]
    return [o for o in offsets if any(o)]


def _connected_components(labels: Tensor) -> Tensor:
    """Per sample, the index (into the flattened spatial axes) of a representative of each pixel's component.

    Components are the maximal sets of same-label pixels connected through neighbours that differ
    by at most 1 on every axis (8-connectivity in 2-D). Label propagation with pointer jumping: each
    pixel takes the largest representative among its same-label neighbours, then its
    representative's representative, until nothing changes; the result is the largest flat index
    in the component.
    """
    n, spatial = labels.shape[0], labels.shape[1:]
    count = math.prod(spatial)
    flat_index = torch.arange(count, device=labels.device).expand(n, count).reshape(labels.shape)
    padded_labels = F.pad(labels, (1, 1) * len(spatial), value=-1)
    slices = [
        (slice(None),) + tuple(slice(1 + o, 1 + o + size) for o, size in zip(offset, spatial))
        for offset in _neighbour_offsets(len(spatial))
    ]
    same = [padded_labels[s] == labels for s in slices]
    representative = flat_index
    while True:
        padded = F.pad(representative, (1, 1) * len(spatial), value=-1)
        updated = representative
        for s, mask in zip(slices, same):
            updated = torch.where(mask, torch.maximum(updated, padded[s]), updated)
        flat = updated.reshape(n, count)
        flat = flat.gather(1, flat)  # pointer jumping: a representative's representative is in the same component
        updated = flat.reshape(labels.shape)
        if torch.equal(updated, representative):
            return representative.reshape(n, count)
        representative = updated


def class_positional_map(labels: Tensor, eps: float = 1e-5) -> Tensor:
    r"""CLADE-ICPE's intra-class positional map (Tan et al., 2021): each pixel's normalized offset from its region's centre.

    For class ids ``labels`` ``(N, *)`` (``D`` spatial axes), every connected region of one class
    (neighbours differing by at most 1 on every axis: 8-connectivity in 2-D) has its centre
    :math:`c` at the mean of its pixels' coordinates. A pixel at :math:`p` in that region gets, per
    axis :math:`d`,

    .. math:: P_d(p) = \frac{p_d - c_d}{\max_{q \in \text{region}} |q_d - c_d| + \epsilon}

    which lies in (-1, 1) and is 0 for a one-pixel region. Returns ``(N, D, *)`` float32, axes in
    the tensor's order (2-D: row offset, then column offset). Regions are those of the authors'
    released code (OpenCV's connected components, default 8-connectivity; per-axis maximum of the
    absolute offset, ``eps = 1e-5``), except that class 0 is not left out.
    """
    if labels.dtype in (torch.bool,) or labels.is_floating_point() or labels.is_complex():
        raise TypeError(f"class_positional_map: expected integer class ids of shape (N, *), got dtype {labels.dtype}")
    if labels.dim() < 2:
        raise ValueError(f"class_positional_map: expected class ids of shape (N, *) with a spatial axis, got shape {tuple(labels.shape)}")
    n, spatial = labels.shape[0], labels.shape[1:]
    count = math.prod(spatial)
    if n * count == 0:
        return torch.zeros((n, len(spatial), *spatial), device=labels.device)
    labels = labels.long()
    representative = _connected_components(labels)
    key = (representative + torch.arange(n, device=labels.device)[:, None] * count).reshape(-1)
    # integer coordinates: exact sums and centres in float64 for any image size
    grids = torch.meshgrid(*[torch.arange(size, device=labels.device) for size in spatial], indexing="ij")
    sizes = torch.zeros(n * count, dtype=torch.float64, device=labels.device).index_add_(
        0, key, torch.ones(n * count, dtype=torch.float64, device=labels.device)
    )
    axes = []
    for grid in grids:
        coordinate = grid.reshape(1, count).expand(n, count).reshape(-1).double()
        centre = torch.zeros_like(sizes).index_add_(0, key, coordinate)[key] / sizes[key]
        offset = coordinate - centre
        reach = torch.zeros_like(sizes).scatter_reduce_(0, key, offset.abs(), "amax", include_self=False)[key]
        axes.append((offset / (reach + eps)).float().reshape(n, *spatial))
    return torch.stack(axes, dim=1)


def standardize_weight(weight: Tensor, eps: float = 1e-5) -> Tensor:
    """Weight standardization (Qiao et al., 2019): per output unit, over all other axes, biased variance.

    .. math:: \\hat W_{o} = \\frac{W_o - \\mathrm{mean}(W_o)}{\\sqrt{\\mathrm{var}(W_o) + \\epsilon}}
    """
    dims = tuple(range(1, weight.dim()))
    var, mean = torch.var_mean(weight, dim=dims, keepdim=True, correction=0)
    return (weight - mean) * torch.rsqrt(var + eps)


def weight_norm_weight(g: Tensor, v: Tensor, dim: int | None = 0) -> Tensor:
    """Weight normalization (Salimans & Kingma, 2016): ``w = g * v / ||v||``, norm over every axis but ``dim``."""
    # Public ops only (torch's fused kernel behind torch.nn.utils is the private torch._weight_norm).
    if dim is None:
        norm = torch.linalg.vector_norm(v)
    else:
        other_dims = [d for d in range(v.dim()) if d != dim % v.dim()]
        norm = torch.linalg.vector_norm(v, dim=other_dims, keepdim=True) if other_dims else v.abs()
    return v * (g / norm)
