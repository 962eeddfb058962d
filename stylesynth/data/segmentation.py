"""Label maps for semantic synthesis: class lists, one-hot maps, don't-care labels, instance edges, colour coding.

Conventions: a label map is an integer tensor ``(H, W)`` or ``(N, H, W)`` of class ids
``0 … label_nc - 1``. The value :data:`DONT_CARE` (255) marks "don't care" pixels; when a model has a
don't-care channel they become class ``label_nc`` (the official SPADE convention), otherwise they
are an error.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor

#: label value that means "don't care" in label files
DONT_CARE = 255


def semantic_channels(label_nc: int, dont_care: bool = False, instance: bool = False) -> int:
    """Channels of the generator's input map: ``label_nc + dont_care + instance`` (COCO-Stuff 182+1+1 = 184)."""
    return label_nc + int(dont_care) + int(instance)


def default_colours(count: int) -> list[tuple[int, int, int]]:
    """``count`` distinct colours (the PASCAL VOC bit-interleaving palette), for classes without one."""
    colours = []
    for index in range(count):
        red = green = blue = 0
        value = index
        for shift in range(7, -1, -1):
            red |= (value & 1) << shift
            green |= ((value >> 1) & 1) << shift
            blue |= ((value >> 2) & 1) << shift
            value >>= 3
        colours.append((red, green, blue))
    return colours


@dataclass(frozen=True)
class ClassList:
    """Class names and display colours, indexed by class id ``0 … len - 1``."""

    names: tuple[str, ...]
    colours: tuple[tuple[int, int, int], ...]

    def __post_init__(self) -> None:
        if len(self.names) != len(self.colours):
            raise ValueError(f"ClassList: {len(self.names)} names but {len(self.colours)} colours")
        if not 1 <= len(self.names) <= DONT_CARE:
            raise ValueError(f"ClassList: expected 1 to {DONT_CARE} classes, got {len(self.names)}")
        if len(set(self.colours)) != len(self.colours):
            raise ValueError("ClassList: two classes share a colour; each class needs its own to decode RGB label maps")

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def from_names(cls, names: Sequence[str], colours: Sequence[Sequence[int]] | None = None) -> ClassList:
        chosen = default_colours(len(names)) if colours is None else colours
        return cls(tuple(str(name) for name in names), tuple(tuple(int(c) for c in colour) for colour in chosen))

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> ClassList:
        """Reads a class list: one class a line, ``id name colour``, ids 0 … n-1 in any order.

        Fields are separated by commas or whitespace; the colour is ``#rrggbb`` or three integers
        ``r g b``; it may be left out (a default palette colour is used). Blank lines and lines
        starting with ``#`` followed by a space or nothing are comments. Example::

            0, sky, #87ceeb
            1 grass 34 139 34
        """
        source = Path(path)
        if not source.is_file():
            raise FileNotFoundError(f"class list not found: {source}")
        return cls.parse(source.read_text(encoding="utf-8"), str(source))

    @classmethod
    def parse(cls, text: str, source: str = "class list") -> ClassList:
        entries: dict[int, tuple[str, tuple[int, int, int] | None]] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line == "#" or line.startswith("# "):
                continue
            fields = [field.strip() for field in (line.split(",") if "," in line else line.split())]
            where = f"{source}, line {number}"
            if len(fields) not in (2, 3, 5):
                raise ValueError(f"{where}: expected 'id name [#rrggbb | r g b]', got {raw!r}")
            try:
                class_id = int(fields[0])
            except ValueError:
                raise ValueError(f"{where}: class id must be an integer, got {fields[0]!r}") from None
            if not 0 <= class_id < DONT_CARE:
                raise ValueError(f"{where}: class id must lie in 0..{DONT_CARE - 1} ({DONT_CARE} means don't care), got {class_id}")
            if class_id in entries:
                raise ValueError(f"{where}: class id {class_id} is listed twice")
            entries[class_id] = (fields[1], _parse_colour(fields[2:], where))
        if not entries:
            raise ValueError(f"{source}: no classes listed")
        missing = sorted(set(range(max(entries) + 1)) - set(entries))
        if missing:
            raise ValueError(f"{source}: class ids must be 0..{max(entries)} without gaps; missing {missing[:10]}")
        fallback = default_colours(len(entries))
        names = [entries[index][0] for index in range(len(entries))]
        colours = [entries[index][1] or fallback[index] for index in range(len(entries))]
        return cls.from_names(names, colours)

    def to_text(self) -> str:
        """The class list in the file format :meth:`parse` reads."""
        lines = ["# id, name, colour"]
        lines += [f"{index}, {name}, #{r:02x}{g:02x}{b:02x}" for index, (name, (r, g, b)) in enumerate(zip(self.names, self.colours))]
        return "\n".join(lines) + "\n"

    def palette(self) -> list[int]:
        """A flat 768-value palette for PIL "P" images (unused entries black)."""
        flat = [value for colour in self.colours for value in colour]
        return flat + [0] * (768 - len(flat))

    def to_config(self) -> dict[str, list]:
        return {"class_names": list(self.names), "palette": [list(colour) for colour in self.colours]}


def _parse_colour(fields: list[str], where: str) -> tuple[int, int, int] | None:
    if not fields:
        return None
    if len(fields) == 1:
        text = fields[0].lstrip("#")
        if len(text) != 6:
            raise ValueError(f"{where}: colour must be '#rrggbb' or 'r g b', got {fields[0]!r}")
        try:
            return tuple(int(text[index : index + 2], 16) for index in (0, 2, 4))  # type: ignore[return-value]
        except ValueError:
            raise ValueError(f"{where}: colour must be '#rrggbb' or 'r g b', got {fields[0]!r}") from None
    try:
        colour = tuple(int(field) for field in fields)
    except ValueError:
        raise ValueError(f"{where}: colour must be '#rrggbb' or three integers, got {' '.join(fields)!r}") from None
    if not all(0 <= value <= 255 for value in colour):
        raise ValueError(f"{where}: colour values must lie in 0..255, got {colour}")
    return colour  # type: ignore[return-value]


def decode_colours(image: Tensor, colours: Sequence[Sequence[int]], name: str = "label map") -> Tensor:
    """An RGB colour-coded label map ``(3, H, W)`` uint8 -> class ids ``(H, W)`` int64, through ``colours``.

    Every pixel must have one of the class colours exactly; otherwise the error names how many
    pixels do not and the most common unknown colour.
    """
    if image.dim() != 3 or image.shape[0] != 3 or image.dtype != torch.uint8:
        raise ValueError(f"{name}: expected an RGB uint8 tensor of shape (3, H, W), got {tuple(image.shape)} {image.dtype}")
    codes = (image[0].long() << 16) | (image[1].long() << 8) | image[2].long()
    table = torch.tensor([(r << 16) | (g << 8) | b for r, g, b in colours], dtype=torch.long)
    order = torch.argsort(table)
    sorted_table = table[order]
    position = torch.searchsorted(sorted_table, codes).clamp_(max=len(table) - 1)
    known = sorted_table[position] == codes
    if not bool(known.all()):
        unknown = codes[~known]
        values, counts = torch.unique(unknown, return_counts=True)
        code = int(values[counts.argmax()])
        colour = f"#{code >> 16:02x}{(code >> 8) & 255:02x}{code & 255:02x}"
        raise ValueError(
            f"{name}: {unknown.numel()} pixels have colours that are not in the class list (most common {colour}); "
            f"an RGB label map may use only the {len(table)} class colours (no anti-aliasing or JPEG compression)"
        )
    return order[position]


def label_map_from_image(image: Image.Image, classes: ClassList | None = None, name: str = "label map") -> Tensor:
    """A PIL label map -> ``(H, W)`` int64 class ids.

    "P" (palette) and "L" images hold the ids as pixel values (the palette is only for display);
    "I"/"I;16" images too. "RGB"/"RGBA" images are colour-coded and decoded through ``classes``.
    """
    mode = image.mode
    if mode in ("P", "L", "I", "I;16", "I;16B", "I;16L"):
        return torch.from_numpy(np.asarray(image).astype(np.int64)).reshape(image.height, image.width)
    if mode in ("RGB", "RGBA"):
        if classes is None:
            raise ValueError(f"{name}: an RGB label map needs a class list with colours to decode it; give a P or L image of class ids instead")
        rgb = torch.frombuffer(bytearray(image.convert("RGB").tobytes()), dtype=torch.uint8)
        return decode_colours(rgb.reshape(image.height, image.width, 3).permute(2, 0, 1), classes.colours, name)
    raise ValueError(f"{name}: label maps must be P, L, I or RGB images, got mode {mode!r}")


def check_labels(labels: Tensor, label_nc: int, dont_care: bool = False, name: str = "label map") -> Tensor:
    """Validates integer class ids and maps :data:`DONT_CARE` (255) to ``label_nc`` when ``dont_care``.

    Returns int64 labels in ``0 … label_nc - 1`` (``… label_nc`` with ``dont_care``); an id out of
    range is an error naming ``name``, the bad values and the accepted range.
    """
    if not isinstance(labels, Tensor):
        raise TypeError(f"{name}: expected an integer tensor of class ids, got {type(labels).__name__}")
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise TypeError(f"{name}: expected an integer tensor of class ids, got dtype {labels.dtype}")
    labels = labels.long()
    if dont_care:
        labels = torch.where(labels == DONT_CARE, torch.full_like(labels, label_nc), labels)
    upper = label_nc + int(dont_care)
    bad = (labels < 0) | (labels >= upper)
    if bool(bad.any()):
        values = torch.unique(labels[bad])[:8].tolist()
        accepted = f"0..{label_nc - 1}" + (f" and {DONT_CARE} (don't care)" if dont_care else "")
        raise ValueError(f"{name}: class ids {values} are out of range; this model accepts {accepted}")
    return labels


def instance_edges(instances: Tensor) -> Tensor:
    """Instance ids ``(N, H, W)`` -> float edge map ``(N, 1, H, W)``: 1 where a 4-neighbour has another id.

    As the official ``get_edges``: a boundary marks the pixels on both sides.
    """
    if instances.dim() == 2:
        instances = instances.unsqueeze(0)
    edge = torch.zeros(instances.shape, dtype=torch.bool, device=instances.device)
    horizontal = instances[:, :, 1:] != instances[:, :, :-1]
    vertical = instances[:, 1:, :] != instances[:, :-1, :]
    edge[:, :, 1:] |= horizontal
    edge[:, :, :-1] |= horizontal
    edge[:, 1:, :] |= vertical
    edge[:, :-1, :] |= vertical
    return edge.unsqueeze(1).float()


def one_hot(
    labels: Tensor,
    label_nc: int,
    dont_care: bool = False,
    instances: Tensor | None = None,
    name: str = "label map",
) -> Tensor:
    """Class ids ``(H, W)`` or ``(N, H, W)`` -> the generator's input ``(N, semantic_nc, H, W)`` float.

    One channel per class set by a scatter (no loops), plus a don't-care channel when
    ``dont_care`` and an instance-edge channel when ``instances`` is given.
    """
    labels = check_labels(labels, label_nc, dont_care, name)
    if labels.dim() == 2:
        labels = labels.unsqueeze(0)
    if labels.dim() != 3:
        raise ValueError(f"{name}: expected class ids of shape (H, W) or (N, H, W), got {tuple(labels.shape)}")
    batch, height, width = labels.shape
    channels = label_nc + int(dont_care)
    semantics = torch.zeros(batch, channels, height, width, device=labels.device)
    semantics.scatter_(1, labels.unsqueeze(1), 1.0)
    if instances is not None:
        if instances.dim() == 2:
            instances = instances.unsqueeze(0)
        if instances.shape != labels.shape:
            raise ValueError(f"{name}: instance map of shape {tuple(instances.shape)} does not match the labels {tuple(labels.shape)}")
        semantics = torch.cat([semantics, instance_edges(instances.to(labels.device))], 1)
    return semantics


def colourize(labels: Tensor, classes: ClassList) -> Image.Image:
    """Class ids ``(H, W)`` -> a "P" PIL image with the class colours as its palette (ids kept as pixel values)."""
    if labels.dim() != 2:
        raise ValueError(f"colourize: expected class ids of shape (H, W), got {tuple(labels.shape)}")
    data = labels.to(torch.uint8).contiguous().cpu().numpy().tobytes()
    image = Image.frombytes("P", (labels.shape[1], labels.shape[0]), data)
    image.putpalette(classes.palette())
    return image
