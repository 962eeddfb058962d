"""Links a fixed evaluation set of content photos x styles from one split of a data folder.

``scripts/evaluate_adain.py`` stylizes every content picture of ``OUT/content`` with every style of
``OUT/style``. This picks ``--contents`` content and ``--styles`` style pictures of ``--split``
(``val`` to choose steps and weights, ``test`` once for what ships) from the ``manifest.json`` of a
folder built by ``make_adain_training_data.py``: the kinds (photo, astronomy, painting, pattern,
procedural ...) take turns, and within a kind the pictures are spread evenly over its sorted
files, so the set is the same on every machine for the same data and does not depend on looking at
results. Files are relative symbolic links.

    python scripts/adain_eval_set.py data/adain-v2 runs/adain-v2-val100 --split val
    python scripts/adain_eval_set.py data/adain-v2 runs/adain-v2-test100 --split test
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from pathlib import Path


def spread(items: list[str], count: int) -> list[str]:
    """``count`` of ``items`` at evenly spaced positions (all of them when there are fewer)."""
    if count >= len(items):
        return list(items)
    return [items[(index * len(items)) // count] for index in range(count)]


def pick(entries: list[dict[str, str]], count: int) -> list[str]:
    """``count`` paths, the kinds taking turns (each kind's share spread over its sorted files)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        by_kind[entry["kind"]].append(entry["path"])
    shares = dict.fromkeys(by_kind, 0)
    kinds = sorted(by_kind)
    while sum(shares.values()) < min(count, len(entries)):
        for kind in kinds:
            if shares[kind] < len(by_kind[kind]) and sum(shares.values()) < count:
                shares[kind] += 1
    return sorted(path for kind in kinds for path in spread(sorted(by_kind[kind]), shares[kind]))


def link_set(data: Path, out: Path, split: str, contents: int, styles: int) -> dict[str, list[str]]:
    """Links the set into ``out/content`` and ``out/style``; returns the chosen paths per role."""
    manifest = json.loads((data / "manifest.json").read_text())
    chosen: dict[str, list[str]] = {}
    for role, count in (("content", contents), ("style", styles)):
        entries = [entry for entry in manifest if entry["split"] == split and entry["role"] == role]
        if not entries:
            raise SystemExit(f"{data / 'manifest.json'} has no {role} pictures in split {split!r}")
        chosen[role] = pick(entries, count)
        (out / role).mkdir(parents=True, exist_ok=True)
        for path in chosen[role]:
            source = (data / path).resolve()
            target = out / role / source.name
            if not target.exists():
                os.symlink(os.path.relpath(source, target.parent.resolve()), target)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a folder written by make_adain_training_data.py")
    parser.add_argument("out", type=Path, help="where to link OUT/content and OUT/style")
    parser.add_argument("--split", choices=("val", "test"), default="val")
    parser.add_argument("--contents", type=int, default=10)
    parser.add_argument("--styles", type=int, default=10)
    args = parser.parse_args()
    chosen = link_set(args.data, args.out, args.split, args.contents, args.styles)
    for role, paths in chosen.items():
        print(f"{role}: {len(paths)}: " + ", ".join(Path(path).stem for path in paths))


if __name__ == "__main__":
    main()
