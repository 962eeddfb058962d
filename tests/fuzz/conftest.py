"""The fuzz suite's settings: bounded and derandomized, so it is fast and the same on every run.

Each test accepts two outcomes only: a correct result, or one of the library's documented errors
(``ValueError`` with its subclasses ``ImageError`` and ``CheckpointError``, or ``TypeError``) with a
message. Anything else (an ``IndexError`` from deep inside, a NaN image, a crash) fails the test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

import torch
from hypothesis import HealthCheck, event, settings

from tests.adain.conftest import network, stylizer  # noqa: F401 - fixtures shared with tests/adain
from tests.spade.conftest import tiny_checkpoint  # noqa: F401 - a fixture shared with tests/spade

settings.register_profile(
    "fuzz",
    max_examples=40,
    deadline=timedelta(seconds=20),  # generous: CI machines are shared; a hang still fails
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    print_blob=True,
)
FUZZ = settings.get_profile("fuzz")

#: the documented error types
DOCUMENTED = (ValueError, TypeError)


@contextlib.contextmanager
def documented_errors_only() -> Iterator[list[BaseException]]:
    """Lets only documented errors with a message out of the block (recorded in the yielded list)."""
    caught: list[BaseException] = []
    try:
        yield caught
    except DOCUMENTED as error:
        assert str(error).strip(), f"{type(error).__name__} without a message"
        caught.append(error)
        event(f"refused: {type(error).__name__}")
    else:
        event("accepted")


def one_thread() -> None:
    torch.set_num_threads(1)
