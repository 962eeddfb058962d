"""A bounded, thread-safe LRU cache of style statistics, keyed by the style image's content."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from torch import Tensor

__all__ = ["StyleStatsCache", "image_key"]

Stats = tuple[Tensor, Tensor]


def image_key(image: Tensor, *settings: Hashable) -> tuple[Hashable, ...]:
    """A key that identifies an image by its pixels (SHA-256 of the bytes), shape and dtype, plus ``settings``.

    Keys never depend on object identity, so a freed tensor whose memory is reused, or an image
    edited in place, never hits another image's entry.
    """
    data = image.detach().cpu().contiguous()
    digest = hashlib.sha256(data.numpy().tobytes()).hexdigest()
    return (digest, tuple(data.shape), str(data.dtype), *settings)


class StyleStatsCache:
    """Up to ``capacity`` entries of ``key -> (mean, std)``; the least recently used is dropped first.

    ``capacity=0`` disables caching. Lookups and insertions hold a lock; the statistics themselves
    are computed outside it, so two threads may compute the same entry once each (same result).
    """

    def __init__(self, capacity: int = 32) -> None:
        if capacity < 0:
            raise ValueError(f"cache capacity must be >= 0, got {capacity}")
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, Stats] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Stats]) -> Stats:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
        value = compute()
        if self.capacity:
            with self._lock:
                self._entries[key] = value
                self._entries.move_to_end(key)
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
