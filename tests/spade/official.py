"""The official SPADE generator, written out independently: its state-dict layout and a functional forward.

Built from the release's description (docs/architecture.md, "Checkpoint formats"), not from stylesynth's modules, so that tests
comparing the two can fail.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

UPSAMPLINGS = {"normal": 5, "more": 6, "most": 7}


def block_channels(ngf: int, most: bool) -> list[tuple[str, int, int]]:
    top = 16 * ngf
    blocks = [("head_0", top, top), ("G_middle_0", top, top), ("G_middle_1", top, top)]
    blocks += [("up_0", top, 8 * ngf), ("up_1", 8 * ngf, 4 * ngf), ("up_2", 4 * ngf, 2 * ngf), ("up_3", 2 * ngf, ngf)]
    if most:
        blocks.append(("up_4", ngf, ngf // 2))
    return blocks


def state_dict_shapes(
    semantic_nc: int, ngf: int = 64, hidden: int = 128, kernel: int = 3, batch_norm: bool = True,
    vae_latent: tuple[int, int] | None = None, z_dim: int = 256, most: bool = False,
) -> dict[str, tuple[int, ...]]:
    """Key -> shape of an official ``latest_net_G.pth`` (spectral norm on the blocks' convs)."""
    shapes: dict[str, tuple[int, ...]] = {}
    if vae_latent is None:
        shapes["fc.weight"], shapes["fc.bias"] = (16 * ngf, semantic_nc, 3, 3), (16 * ngf,)
    else:
        features = 16 * ngf * vae_latent[0] * vae_latent[1]
        shapes["fc.weight"], shapes["fc.bias"] = (features, z_dim), (features,)
    for name, fin, fout in block_channels(ngf, most):
        middle = min(fin, fout)
        convs = [("conv_0", middle, fin, 3, True), ("conv_1", fout, middle, 3, True)]
        norms = [("norm_0", fin), ("norm_1", middle)]
        if fin != fout:
            convs.append(("conv_s", fout, fin, 1, False))
            norms.append(("norm_s", fin))
        for conv, out, inp, size, bias in convs:
            shapes[f"{name}.{conv}.weight_orig"] = (out, inp, size, size)
            shapes[f"{name}.{conv}.weight_u"] = (out,)
            shapes[f"{name}.{conv}.weight_v"] = (inp * size * size,)
            if bias:
                shapes[f"{name}.{conv}.bias"] = (out,)
        for norm, channels in norms:
            prefix = f"{name}.{norm}"
            if batch_norm:
                shapes[f"{prefix}.param_free_norm.running_mean"] = (channels,)
                shapes[f"{prefix}.param_free_norm.running_var"] = (channels,)
                shapes[f"{prefix}.param_free_norm.num_batches_tracked"] = ()
            shapes[f"{prefix}.mlp_shared.0.weight"] = (hidden, semantic_nc, kernel, kernel)
            shapes[f"{prefix}.mlp_shared.0.bias"] = (hidden,)
            for head in ("mlp_gamma", "mlp_beta"):
                shapes[f"{prefix}.{head}.weight"] = (channels, hidden, kernel, kernel)
                shapes[f"{prefix}.{head}.bias"] = (channels,)
    final = ngf // 2 if most else ngf
    shapes["conv_img.weight"], shapes["conv_img.bias"] = (3, final, 3, 3), (3,)
    return shapes


def random_state_dict(shapes: dict[str, tuple[int, ...]], seed: int = 0, dtype=torch.float64) -> dict[str, Tensor]:
    """Random tensors in those shapes: unit u and v, positive running variances, small weights."""
    generator = torch.Generator().manual_seed(seed)
    state: dict[str, Tensor] = {}
    for key, shape in shapes.items():
        if key.endswith("num_batches_tracked"):
            state[key] = torch.tensor(1000, dtype=torch.long)
        elif key.endswith("running_var"):
            state[key] = (0.5 + torch.rand(shape, generator=generator)).to(dtype)
        elif key.endswith(("weight_u", "weight_v")):
            state[key] = F.normalize(torch.randn(shape, generator=generator), dim=0).to(dtype)
        else:
            state[key] = (torch.randn(shape, generator=generator) * 0.1).to(dtype)
    return state


def _weight(state: dict[str, Tensor], prefix: str) -> Tensor:
    if prefix + ".weight" in state:
        return state[prefix + ".weight"]
    weight, u, v = state[prefix + ".weight_orig"], state[prefix + ".weight_u"], state[prefix + ".weight_v"]
    sigma = u @ (weight.reshape(weight.shape[0], -1) @ v)  # eval mode: the stored u, v
    return weight / sigma


def _conv(state: dict[str, Tensor], prefix: str, x: Tensor) -> Tensor:
    weight = _weight(state, prefix)
    return F.conv2d(x, weight, state.get(prefix + ".bias"), padding=weight.shape[-1] // 2)


def _spade(state: dict[str, Tensor], prefix: str, x: Tensor, segmap: Tensor, batch_norm: bool) -> Tensor:
    if batch_norm:
        mean = state[prefix + ".param_free_norm.running_mean"].view(1, -1, 1, 1)
        var = state[prefix + ".param_free_norm.running_var"].view(1, -1, 1, 1)
    else:
        mean = x.mean((2, 3), keepdim=True)
        var = x.var((2, 3), unbiased=False, keepdim=True)
    normalized = (x - mean) / torch.sqrt(var + 1e-5)
    segmap = F.interpolate(segmap, size=x.shape[2:], mode="nearest")
    hidden = F.relu(_conv(state, prefix + ".mlp_shared.0", segmap))
    return normalized * (1 + _conv(state, prefix + ".mlp_gamma", hidden)) + _conv(state, prefix + ".mlp_beta", hidden)


def _block(state: dict[str, Tensor], name: str, x: Tensor, segmap: Tensor, batch_norm: bool) -> Tensor:
    if f"{name}.conv_s.weight_orig" in state:
        shortcut = _conv(state, f"{name}.conv_s", _spade(state, f"{name}.norm_s", x, segmap, batch_norm))
    else:
        shortcut = x
    dx = _conv(state, f"{name}.conv_0", F.leaky_relu(_spade(state, f"{name}.norm_0", x, segmap, batch_norm), 0.2))
    dx = _conv(state, f"{name}.conv_1", F.leaky_relu(_spade(state, f"{name}.norm_1", dx, segmap, batch_norm), 0.2))
    return shortcut + dx


def generator_forward(
    state: dict[str, Tensor], segmap: Tensor, crop_size: int, aspect_ratio: float = 1.0, mode: str = "normal",
    batch_norm: bool = True, z: Tensor | None = None,
) -> Tensor:
    """The official ``SPADEGenerator.forward`` in eval mode, step by step."""
    ngf = state["conv_img.weight"].shape[1] * (2 if mode == "most" else 1)
    width = crop_size // 2 ** UPSAMPLINGS[mode]
    height = round(width / aspect_ratio)
    if z is not None:
        x = F.linear(z, state["fc.weight"], state["fc.bias"]).view(-1, 16 * ngf, height, width)
    else:
        x = _conv(state, "fc", F.interpolate(segmap, size=(height, width)))
    up = lambda t: F.interpolate(t, scale_factor=2)  # noqa: E731
    x = _block(state, "head_0", x, segmap, batch_norm)
    x = up(x)
    x = _block(state, "G_middle_0", x, segmap, batch_norm)
    if mode in ("more", "most"):
        x = up(x)
    x = _block(state, "G_middle_1", x, segmap, batch_norm)
    for name in ["up_0", "up_1", "up_2", "up_3"] + (["up_4"] if mode == "most" else []):
        x = _block(state, name, up(x), segmap, batch_norm)
    return torch.tanh(_conv(state, "conv_img", F.leaky_relu(x, 0.2)))
