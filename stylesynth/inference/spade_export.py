"""Exporting a SPADE training checkpoint: generator (+ VAE encoder) weights, config with the class list, model card."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from torch import Tensor

from ..data.segmentation import ClassList
from ..io import CheckpointError, save_pretrained

#: parts of the Lightning module kept for inference (the discriminator is training-only)
KEPT_PREFIXES = ("generator.", "encoder.")


def model_card(config: dict[str, Any], notes: str | None = None) -> str:
    """A model card README: what the model is, its classes and palette, its settings, and ``notes``."""
    generator = config["generator"]
    classes = ClassList.from_names(config["class_names"], config["palette"])
    height = round((generator["crop_size"] // 2 ** {"normal": 5, "more": 6, "most": 7}[generator["num_upsampling_layers"]]) / generator["aspect_ratio"])
    lines = [
        f"# {config.get('name', 'SPADE checkpoint')}",
        "",
        "Semantic image synthesis with SPADE (Park et al., 2019), trained with stylesynth. Load it with",
        "",
        "```python",
        "from stylesynth import Synthesizer",
        "synthesizer = Synthesizer.from_pretrained(\"path/to/this/folder\")",
        "image = synthesizer.synthesize(label_map, seed=0)   # PIL P/L class ids, RGB in the palette, or an int tensor",
        "```",
        "",
        "## Classes",
        "",
        "| id | name | colour |",
        "|---|---|---|",
    ]
    lines += [f"| {index} | {name} | `#{r:02x}{g:02x}{b:02x}` |" for index, (name, (r, g, b)) in enumerate(zip(classes.names, classes.colours))]
    if config.get("dont_care"):
        lines.append("| 255 | don't care | – |")
    lines += [
        "",
        "## Settings",
        "",
        f"- generator: ngf {generator['ngf']}, `num_upsampling_layers={generator['num_upsampling_layers']}`, output "
        f"{generator['crop_size']} wide (latent height {height}), aspect ratio {generator['aspect_ratio']}, inner norm "
        f"`{generator['norm']}`, spectral norm {'on' if generator['spectral'] else 'off'}, SPADE hidden width "
        f"{generator['hidden_channels']}",
        f"- input channels: {generator['semantic_nc']} ({config['label_nc']} classes"
        + (" + don't care" if config.get("dont_care") else "")
        + (" + instance edges" if config.get("instance") else "")
        + ")",
        f"- style encoder (VAE): {'yes, z_dim ' + str(generator['z_dim']) if config.get('encoder') else 'no (deterministic output)'}",
    ]
    training = config.get("training") or {}
    if training:
        lines.append(
            "- losses: hinge GAN, feature matching ×{lambda_feat}, VGG ×{lambda_vgg}, KL ×{lambda_kld}, pixel L1 ×{lambda_l1}; "
            "Adam lr G {lr_generator} / D {lr_discriminator}, betas {betas}".format(**training)
        )
    if config.get("iteration") is not None:
        lines.append(f"- trained for {config['iteration']} iterations")
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def export_lightning(
    state_dict: dict[str, Tensor],
    info: dict[str, Any],
    out_dir: str | os.PathLike,
    overwrite: bool = False,
    notes: str | None = None,
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Writes an inference checkpoint folder from a ``SPADEModule`` training checkpoint.

    ``state_dict`` and ``info`` are what :func:`stylesynth.io.read_lightning_checkpoint` returns.
    The folder holds ``model.safetensors`` (``generator.*`` in the official key layout, and
    ``encoder.*`` with the VAE), ``config.json`` (networks, label settings, class names and
    palette), ``classes.txt`` and a model card ``README.md`` (plus ``notes``).
    """
    config = dict(info.get("config") or {})
    for key in ("generator", "label_nc", "class_names", "palette", "dont_care", "instance"):
        if key not in config:
            raise CheckpointError(f"not a SPADE training checkpoint: its stylesynth entry has no {key!r} (found {sorted(config)})")
    kept = {key: value for key, value in state_dict.items() if key.startswith(KEPT_PREFIXES)}
    if not any(key.startswith("generator.") for key in kept):
        raise CheckpointError("not a SPADE training checkpoint: no generator.* weights in its state dict")
    if config.get("encoder") is None:
        kept = {key: value for key, value in kept.items() if key.startswith("generator.")}
    config = {"kind": "spade", **config, "iteration": info.get("iteration")}
    classes = ClassList.from_names(config["class_names"], config["palette"])
    files = {"classes.txt": classes.to_text().encode(), **(extra_files or {})}
    return save_pretrained(out_dir, kept, config, card=model_card(config, notes), extra_files=files, overwrite=overwrite)
