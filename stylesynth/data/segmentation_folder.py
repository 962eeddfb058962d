"""A folder of images and label maps for SPADE training, with presets for ADE20K, Cityscapes and COCO-Stuff.

Pairs are matched by file stem (after removing a layout's suffixes such as Cityscapes'
``_leftImg8bit``). A missing pair, an unreadable file, a size mismatch or a class id out of range
is a ``ValueError`` that names the file and what was wrong.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torch import Tensor
from torchvision.transforms.v2 import InterpolationMode
from torchvision.transforms.v2 import functional as TF

from ..io.images import IMAGE_EXTENSIONS, ImageError, load_image, pil_to_tensor
from .segmentation import DONT_CARE, ClassList, check_labels, label_map_from_image


@dataclass(frozen=True)
class FolderLayout:
    """Where a data set keeps its files and how its labels are coded.

    ``images``, ``labels``, ``instances`` are subfolders (``{split}`` is replaced by the split);
    the suffixes are removed from file stems before matching; ``label_nc``/``dont_care`` are the
    data set's own (``None``: from the class list); ``shift_labels`` subtracts 1 from every id and
    turns 0 into don't care (ADE20K's "other").
    """

    images: str
    labels: str
    instances: str | None
    image_suffix: str = ""
    label_suffix: str = ""
    instance_suffix: str = ""
    recursive: bool = False
    label_nc: int | None = None
    dont_care: bool = False
    shift_labels: bool = False
    default_split: str | None = None


PRESETS: dict[str, FolderLayout] = {
    "folder": FolderLayout("images", "labels", "instances"),
    "ade20k": FolderLayout(
        "images/{split}", "annotations/{split}", None, label_nc=150, dont_care=True, shift_labels=True, default_split="training"
    ),
    "cityscapes": FolderLayout(
        "leftImg8bit/{split}", "gtFine/{split}", "gtFine/{split}", "_leftImg8bit", "_gtFine_labelIds", "_gtFine_instanceIds",
        recursive=True, label_nc=35, default_split="train",
    ),
    "coco_stuff": FolderLayout("{split}_img", "{split}_label", "{split}_inst", label_nc=182, dont_care=True, default_split="train"),
}


def read_label_image(path: Path) -> Image.Image:
    """Opens a label or instance map as it is stored (P, L, I;16 or RGB) through the one image path
    (:func:`stylesynth.io.load_image`: the same pixel limit as images, upright by EXIF), with an error naming the file."""
    try:
        return load_image(path, mode=None, what=str(path))
    except ImageError as error:
        raise ImageError(f"{path}: not a readable label map ({error}); expected a PNG of class ids or an RGB colour-coded PNG") from None


def _index(folder: Path, suffix: str, recursive: bool, what: str) -> dict[str, Path]:
    """Files in ``folder`` by stem (``suffix`` removed); two files with one stem are an error."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{what} folder not found: {folder}")
    files = folder.rglob("*") if recursive else folder.iterdir()
    found: dict[str, Path] = {}
    for path in sorted(files):
        if not path.is_file() or path.suffix.lower() not in IMAGE_EXTENSIONS or path.name.startswith("."):
            continue
        if suffix and not path.stem.endswith(suffix):
            continue
        stem = path.stem[: len(path.stem) - len(suffix)] if suffix else path.stem
        if stem in found:
            raise ValueError(f"{what}: {found[stem]} and {path} have the same name {stem!r}; pairs are matched by name")
        found[stem] = path
    return found


class SegmentationFolder(torch.utils.data.Dataset):
    """Images with label maps (and optionally instance maps) from a folder, resized and cropped for SPADE.

    Layout ``folder`` (custom data sets)::

        root/images/<name>.jpg|png    root/labels/<name>.png    [root/instances/<name>.png]
        root/classes.txt              (see :meth:`ClassList.from_file`)

    Label maps are single-channel PNGs of class ids (P or L; 255 = don't care when the class list
    is followed by it) or RGB images colour-coded with the class list's colours.

    Args:
        root: the data set folder.
        preset: ``folder``, ``ade20k``, ``cityscapes`` or ``coco_stuff`` (see :data:`PRESETS`).
        classes: class list file; default ``root/classes.txt`` (required for ``folder``); the presets
            name their classes ``class_<i>`` when none is given.
        split: replaces ``{split}`` in the preset's folders.
        crop_size: output width; height is ``round(crop_size / aspect_ratio)``.
        aspect_ratio: width / height of the crops.
        load_size: resize so the short side is ``load_size``, then crop at random; ``None`` resizes
            straight to the crop size.
        flip: random horizontal flips.
        instance: load the instance maps.
        dont_care: accept label 255 as don't care (it becomes id ``label_nc``); default: the preset's
            setting (``folder``: False, so a 255 is an error naming the file).

    Each sample is ``{"image": (3, h, w) in [-1, 1], "label": (h, w) int64, "path": str}`` plus
    ``"instance"`` ``(h, w)`` int64 with ``instance=True``.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        preset: str = "folder",
        classes: str | os.PathLike | None = None,
        split: str | None = None,
        crop_size: int = 256,
        aspect_ratio: float = 1.0,
        load_size: int | None = None,
        flip: bool = True,
        instance: bool = False,
        dont_care: bool | None = None,
    ) -> None:
        if preset not in PRESETS:
            raise ValueError(f"SegmentationFolder: preset must be one of {', '.join(PRESETS)}, got {preset!r}")
        layout = PRESETS[preset]
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"data set folder not found: {self.root}")
        self.layout = layout
        class_file = Path(classes) if classes is not None else self.root / "classes.txt"
        if class_file.is_file():
            self.classes = ClassList.from_file(class_file)
        elif layout.label_nc is not None and classes is None:
            self.classes = ClassList.from_names([f"class_{index}" for index in range(layout.label_nc)])
        else:
            raise FileNotFoundError(f"class list not found: {class_file} (one line per class: 'id, name, #rrggbb')")
        if layout.label_nc is not None and len(self.classes) != layout.label_nc:
            raise ValueError(f"{class_file}: the {preset} preset has {layout.label_nc} classes, the class list {len(self.classes)}")
        self.label_nc = len(self.classes)
        self.dont_care = layout.dont_care if dont_care is None else dont_care
        self.height, self.width = round(crop_size / aspect_ratio), crop_size
        self.load_size = load_size
        self.flip = flip
        self.instance = instance
        chosen_split = split or layout.default_split or ""
        folder = lambda pattern: self.root / pattern.format(split=chosen_split)  # noqa: E731
        images = _index(folder(layout.images), layout.image_suffix, layout.recursive, "images")
        labels = _index(folder(layout.labels), layout.label_suffix, layout.recursive, "labels")
        self._check_pairs(images, labels, "image", "label map")
        instances: dict[str, Path] = {}
        if instance:
            if layout.instances is None:
                raise ValueError(f"SegmentationFolder: the {preset} preset has no instance maps; use instance=False")
            instances = _index(folder(layout.instances), layout.instance_suffix, layout.recursive, "instances")
            self._check_pairs(images, instances, "image", "instance map")
        self.names = sorted(images)
        if not self.names:
            raise ValueError(f"no images found in {folder(layout.images)} (accepted: {', '.join(IMAGE_EXTENSIONS)})")
        self.images, self.labels, self.instances = images, labels, instances

    @staticmethod
    def _check_pairs(first: dict[str, Path], second: dict[str, Path], first_name: str, second_name: str) -> None:
        lonely_first = sorted(set(first) - set(second))
        lonely_second = sorted(set(second) - set(first))
        if lonely_first:
            raise ValueError(
                f"{first[lonely_first[0]]}: no {second_name} with the same name"
                + (f" ({len(lonely_first)} {first_name}s lack one)" if len(lonely_first) > 1 else "")
            )
        if lonely_second:
            raise ValueError(
                f"{second[lonely_second[0]]}: no {first_name} with the same name"
                + (f" ({len(lonely_second)} {second_name}s lack one)" if len(lonely_second) > 1 else "")
            )

    def __len__(self) -> int:
        return len(self.names)

    def _read_labels(self, path: Path) -> Tensor:
        labels = label_map_from_image(read_label_image(path), self.classes, name=str(path))
        if self.layout.shift_labels:
            labels = torch.where(labels == 0, torch.full_like(labels, DONT_CARE), labels - 1)
        return check_labels(labels, self.label_nc, self.dont_care, name=str(path))

    def _geometry(self, height: int, width: int) -> tuple[tuple[int, int], tuple[int, int], bool]:
        """``(resize (h, w), crop offset (top, left), flip)`` for an image of ``height`` × ``width``."""
        if self.load_size is None:
            size = (self.height, self.width)
        else:
            scale = max(self.load_size / min(height, width), self.height / height, self.width / width)
            size = (max(self.height, round(height * scale)), max(self.width, round(width * scale)))
        top = int(torch.randint(size[0] - self.height + 1, ()))
        left = int(torch.randint(size[1] - self.width + 1, ()))
        return size, (top, left), self.flip and bool(torch.rand(()) < 0.5)

    def _transform(self, tensor: Tensor, size: tuple[int, int], offset: tuple[int, int], flip: bool, nearest: bool) -> Tensor:
        mode = InterpolationMode.NEAREST_EXACT if nearest else InterpolationMode.BICUBIC
        tensor = TF.resize(tensor, list(size), interpolation=mode, antialias=not nearest)
        tensor = tensor[..., offset[0] : offset[0] + self.height, offset[1] : offset[1] + self.width]
        return tensor.flip(-1) if flip else tensor

    def __getitem__(self, index: int) -> dict[str, object]:
        name = self.names[index]
        image_path, label_path = self.images[name], self.labels[name]
        image = pil_to_tensor(load_image(image_path))
        labels = self._read_labels(label_path)
        if labels.shape != image.shape[1:]:
            raise ValueError(
                f"{label_path}: label map is {labels.shape[1]}x{labels.shape[0]} but its image {image_path.name} is "
                f"{image.shape[2]}x{image.shape[1]}; a label map must have its image's size"
            )
        size, offset, flip = self._geometry(image.shape[1], image.shape[2])
        sample: dict[str, object] = {
            "image": self._transform(image, size, offset, flip, nearest=False).clamp(0, 1) * 2 - 1,
            "label": self._transform(labels[None], size, offset, flip, nearest=True)[0],
            "path": str(image_path),
        }
        if self.instance:
            instance_path = self.instances[name]
            instances = label_map_from_image(read_label_image(instance_path), None, name=str(instance_path))
            if instances.shape != labels.shape:
                raise ValueError(f"{instance_path}: instance map size {tuple(instances.shape)} differs from its label map's {tuple(labels.shape)}")
            sample["instance"] = self._transform(instances[None], size, offset, flip, nearest=True)[0]
        return sample
