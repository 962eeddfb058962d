"""Perceptual hashes and near-duplicate groups for make_adain_training_data.py (numpy and PIL only).

A picture's hash is the sign pattern of the lowest 8 x 8 frequencies of the 2-D DCT of its 32 x 32
grey thumbnail against their median (the usual "pHash"), computed after equalising the thumbnail's
grey levels (ranks, ties averaged) so that dark pictures (night skies, deep-sky photographs) hash
their structure rather than their darkness. The same photo at another resolution, in another file
format, lightly recoloured or re-compressed gets a hash a few bits away, a different photo one about
32 bits away. Two pictures are near-duplicates when their hashes differ in at most ``threshold`` of
the 64 bits. Groups are formed around leaders, not by chaining: a picture joins the first group
whose leader (its first member) is within the threshold, so a run of slightly different pictures
does not collapse into one group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

HASH_SIDE = 8
THUMBNAIL_SIDE = 32
#: Bits (of 64) two hashes may differ in and still be the same photo; checked by eye on the pairs
#: it merges (docs/adain-data.md). 10 keeps re-sized and re-encoded copies together and, on the
#: packages read, merged no two different photos.
THRESHOLD = 10


def _dct_matrix(side: int) -> np.ndarray:
    """The orthonormal DCT-II matrix: ``matrix @ x`` is the DCT of the column vector ``x``."""
    k = np.arange(side)[:, None]
    n = np.arange(side)[None, :]
    matrix = np.cos(np.pi * (2 * n + 1) * k / (2 * side)) * np.sqrt(2 / side)
    matrix[0] /= np.sqrt(2)
    return matrix


_DCT = _dct_matrix(THUMBNAIL_SIDE)


def equalised(pixels: np.ndarray) -> np.ndarray:
    """``pixels`` replaced by their ranks scaled to [0, 1]; equal values share their average rank."""
    values, inverse, counts = np.unique(pixels.ravel(), return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    average_rank = (ends - (counts + 1) / 2) / max(1, pixels.size - 1)
    return average_rank[inverse].reshape(pixels.shape)


def perceptual_hash(image: Image.Image) -> int:
    """The 64-bit DCT hash of ``image`` (any mode, any size of at least 1 x 1) as a Python int."""
    grey = image.convert("L").resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.BILINEAR)
    pixels = equalised(np.asarray(grey, dtype=np.float64))
    low = (_DCT @ pixels @ _DCT.T)[:HASH_SIDE, :HASH_SIDE].ravel()
    bits = low > np.median(low[1:])  # the DC term is the mean brightness, not structure
    return int("".join("1" if bit else "0" for bit in bits), 2)


def hamming(a: int, b: int) -> int:
    """How many bits the hashes ``a`` and ``b`` differ in."""
    return bin(a ^ b).count("1")


def distances(hashes: Sequence[int]) -> np.ndarray:
    """The ``len(hashes)`` x ``len(hashes)`` matrix of Hamming distances (uint8)."""
    words = np.array(hashes, dtype=np.uint64)
    xor = words[:, None] ^ words[None, :]
    return np.unpackbits(xor.view(np.uint8).reshape(len(words), len(words), 8), axis=-1).sum(-1, dtype=np.uint8)


def near_duplicate_groups(hashes: Sequence[int], threshold: int = THRESHOLD, keys: Sequence[str | None] | None = None) -> list[int]:
    """For each hash, the index of the first member of its group (in input order).

    Taken in input order, a hash joins the first group whose leader (first member) it differs from in
    at most ``threshold`` bits, else leads a new group; put the preferred members first. Groups that
    share a ``keys`` entry other than None (a name rule: the light and dark versions of one
    wallpaper, the two pictures of a stereo pair) are then joined.
    """
    if keys is not None and len(keys) != len(hashes):
        raise ValueError(f"{len(keys)} keys for {len(hashes)} hashes; give one key (or None) per hash")
    table = distances(hashes) if hashes else np.zeros((0, 0), np.uint8)
    leaders: list[int] = []
    parent = []
    for index in range(len(hashes)):
        leader = next((leader for leader in leaders if table[index, leader] <= threshold), None)
        if leader is None:
            leaders.append(index)
            leader = index
        parent.append(leader)

    def root(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    if keys is not None:
        first_with_key: dict[str, int] = {}
        for index, key in enumerate(keys):
            if key is None:
                continue
            a, b = root(first_with_key.setdefault(key, index)), root(index)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return [root(index) for index in range(len(hashes))]
