"""The official SPADE release's weights (``latest_net_G.pth``): its data set presets and the generator settings its keys imply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor

from ..io import CheckpointError
from .spade_generator import latent_size

#: the official release's data set settings (label_nc, don't care, instance, size)
OFFICIAL_PRESETS: dict[str, dict[str, Any]] = {
    "coco_stuff": {"label_nc": 182, "dont_care": True, "instance": True, "crop_size": 256, "aspect_ratio": 1.0},
    "ade20k": {"label_nc": 150, "dont_care": True, "instance": False, "crop_size": 256, "aspect_ratio": 1.0},
    "cityscapes": {"label_nc": 35, "dont_care": False, "instance": True, "crop_size": 512, "aspect_ratio": 2.0},
}

_PROBE = "head_0.norm_0.mlp_shared.0.weight"


def _tensor(state_dict: Mapping[str, Any], key: str, source: str) -> Tensor:
    value = state_dict.get(key)
    if not isinstance(value, Tensor):
        raise CheckpointError(
            f"{source}: not a SPADE generator state dict: key {key!r} is missing (expected the official "
            "latest_net_G.pth layout: fc, head_0, G_middle_0, G_middle_1, up_0 … up_3, conv_img)"
        )
    return value


def generator_config_from_state_dict(state_dict: Mapping[str, Any], settings: Mapping[str, Any], source: str) -> dict[str, Any]:
    """:class:`SPADEGenerator` arguments read off an official generator's weights (plus ``settings`` for the size).

    Width (``conv_img``), input channels and SPADE hidden width/kernel (``mlp_shared``), VAE and
    z size (a linear ``fc``), inner norm (running statistics present: batch norm) and spectral norm
    (``weight_orig``) come from the weights; ``crop_size``, ``aspect_ratio`` and
    ``num_upsampling_layers`` from ``settings`` (default 256, 1, ``normal``; ``up_4`` means ``most``).
    """
    probe = _tensor(state_dict, _PROBE, source)
    fc = _tensor(state_dict, "fc.weight", source)
    conv_img = _tensor(state_dict, "conv_img.weight", source)
    most = any(key.startswith("up_4.") for key in state_dict)
    ngf = conv_img.shape[1] * (2 if most else 1)
    use_vae = fc.dim() == 2
    mode = settings.get("num_upsampling_layers") or ("most" if most else "normal")
    if most and mode != "most":
        raise CheckpointError(f"{source}: the weights have an up_4 block (num_upsampling_layers='most'), not {mode!r}")
    config = {
        "semantic_nc": int(probe.shape[1]),
        "ngf": int(ngf),
        "num_upsampling_layers": mode,
        "crop_size": int(settings.get("crop_size", 256)),
        "aspect_ratio": float(settings.get("aspect_ratio", 1.0)),
        "use_vae": use_vae,
        "z_dim": int(fc.shape[1]) if use_vae else 256,
        # eval-mode batch norm and sync batch norm are the same function; "batch" needs no process group
        "norm": "batch" if "head_0.norm_0.param_free_norm.running_mean" in state_dict else "instance",
        "spectral": "head_0.conv_0.weight_orig" in state_dict,
        "kernel_size": int(probe.shape[2]),
        "hidden_channels": int(probe.shape[0]),
    }
    if use_vae:
        height, width = latent_size(int(settings.get("crop_size", 256)), float(settings.get("aspect_ratio", 1.0)), mode)
        if fc.shape[0] != 16 * ngf * height * width:
            raise CheckpointError(
                f"{source}: the VAE generator's fc has {fc.shape[0]} outputs, which does not fit crop_size="
                f"{config['crop_size']}, aspect_ratio={config['aspect_ratio']} ({16 * ngf} × {height} × {width}); "
                "give the crop_size and aspect_ratio it was trained with"
            )
    return config
