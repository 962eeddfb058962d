"""Train / val / test assignment for make_adain_training_data.py: by source photo, by family where it fits.

The unit of assignment is a *group* (one source photo or picture and everything made from it: its
near-duplicates in other packages and resolutions, its crops), never a single file, so no photo is in
two splits. Groups belong to a *family* (a package, or one activity or folder of a large package);
whole families go to val or test while they fit the wanted size, so that the test photos are not
siblings of training photos. Families that are too large for any held-out split are cut group by
group only when whole families cannot fill the wanted sizes. Groups named in ``forced_test`` (the
held-out set of earlier versions) are always in test, and their families with them where they fit.
Same groups, families and seed: same assignment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

SPLITS = ("train", "val", "test")


def assign_splits(
    families: Mapping[str, str],
    sizes: Mapping[str, int],
    seed: int,
    forced_test: Sequence[str] = (),
) -> dict[str, str]:
    """``group -> split`` for every group of ``families`` (``group -> family``).

    ``sizes`` gives the number of groups wanted in ``"val"`` and ``"test"``; every other group is in
    ``"train"``. Families are taken in an order drawn from ``seed``; a family goes whole to test, else
    to val, if it fits in what that split still lacks. Then, if a split is still short, single
    groups of the remaining families (smallest family first, groups in an order drawn from ``seed``)
    fill it.
    """
    unknown = sorted(set(forced_test) - set(families))
    if unknown:
        raise ValueError(f"forced test groups not among the groups: {', '.join(unknown)}")
    for split in ("val", "test"):
        if sizes.get(split, 0) < 0:
            raise ValueError(f"{split} size {sizes[split]}: must be 0 or more")
    members: dict[str, list[str]] = {}
    for group in sorted(families):
        members.setdefault(families[group], []).append(group)
    rng = np.random.default_rng(seed)
    order = [sorted(members)[i] for i in rng.permutation(len(members))]

    split_of: dict[str, str] = {}
    wanted = {split: sizes.get(split, 0) for split in ("val", "test")}
    count = {"val": 0, "test": 0}

    def place(groups: Sequence[str], split: str) -> None:
        for group in groups:
            split_of[group] = split
            if split in count:
                count[split] += 1

    forced = set(forced_test)
    place(sorted(forced), "test")
    for family in order:  # the families of forced groups first, whole where they fit
        rest = [group for group in members[family] if group not in split_of]
        if rest and len(rest) < len(members[family]) and count["test"] + len(rest) <= wanted["test"]:
            place(rest, "test")
    for family in order:
        rest = [group for group in members[family] if group not in split_of]
        if not rest or len(rest) < len(members[family]):
            continue
        for split in ("test", "val"):
            if count[split] + len(rest) <= wanted[split]:
                place(rest, split)
                break
    leftovers = sorted((family for family in order if any(group not in split_of for group in members[family])), key=lambda family: len(members[family]))
    for family in leftovers:
        rest = [group for group in members[family] if group not in split_of]
        for group in [rest[i] for i in rng.permutation(len(rest))]:
            short = [split for split in ("test", "val") if count[split] < wanted[split]]
            place([group], short[0] if short else "train")
    return split_of
