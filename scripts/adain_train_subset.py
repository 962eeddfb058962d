"""Links a training subset of a data folder built by ``make_adain_training_data.py``.

The train split's content is mostly deep-sky astronomy (Stellarium's nebula and galaxy pictures:
small bright objects on black), which teaches a decoder little about photos. This keeps every
other content picture, one astronomy picture in ``--astronomy-every``, and every training style,
as relative symbolic links in ``OUT/content`` and ``OUT/style`` (the folders the AdaIN data module
reads). Validation and test splits are never linked.

    python scripts/adain_train_subset.py data/adain-v2 runs/adain-v2-train --astronomy-every 8
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def link_subset(data: Path, out: Path, astronomy_every: int) -> dict[str, int]:
    """Links the subset; returns how many content and style files were linked and astronomy pictures seen."""
    if astronomy_every < 1:
        raise SystemExit(f"--astronomy-every must be at least 1, got {astronomy_every}")
    manifest = json.loads((data / "manifest.json").read_text())
    for role in ("content", "style"):
        (out / role).mkdir(parents=True, exist_ok=True)
    counts = {"content": 0, "style": 0, "astronomy_seen": 0}
    for entry in manifest:
        if entry["split"] != "train":
            continue
        if entry["role"] == "content" and entry["kind"] == "astronomy":
            counts["astronomy_seen"] += 1
            if counts["astronomy_seen"] % astronomy_every:
                continue
        source = (data / entry["path"]).resolve()
        target = out / entry["role"] / source.name
        if not target.exists():
            os.symlink(os.path.relpath(source, target.parent.resolve()), target)
        counts[entry["role"]] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a folder written by make_adain_training_data.py (has manifest.json)")
    parser.add_argument("out", type=Path, help="folder for the content/ and style/ links")
    parser.add_argument("--astronomy-every", type=int, default=8, help="keep one astronomy content picture in this many (default 8)")
    args = parser.parse_args()
    counts = link_subset(args.data, args.out, args.astronomy_every)
    print(f"{counts['content']} content and {counts['style']} style files linked in {args.out} ({counts['astronomy_seen']} astronomy pictures seen)")


if __name__ == "__main__":
    main()
