"""What the user reads when a request cannot be done: the library's message, as a ``gr.Error``.

The library says what was wrong and what is accepted (``ValueError``, ``TypeError``: see
:mod:`stylesynth.validation`); the app only shows it. Running out of memory is recognized by its
exception type and suggests a remedy; any other error is a bug, logged with its traceback, and the
user reads Gradio's generic message.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import gradio as gr
import torch

LOG = logging.getLogger("stylesynth.app")


class InputError(ValueError):
    """Input the user can fix (the app's own checks): the message says what was wrong and what is accepted."""


def user_error(error: Exception | str) -> gr.Error:
    """The message of ``error`` as a ``gr.Error``, which the UI shows and the client raises."""
    return gr.Error(" ".join(str(error).split()), title="Please check the input")


@contextlib.contextmanager
def reported(remedy: str, device: str = "cpu") -> Iterator[None]:
    """Runs a request's work: bad input becomes a :func:`user_error`, running out of memory a message suggesting ``remedy``."""
    try:
        yield
    except gr.Error:
        raise
    except (ValueError, TypeError) as error:
        raise user_error(error) from None
    except (torch.OutOfMemoryError, MemoryError) as error:
        LOG.warning("out of memory: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise gr.Error(f"The {device.upper()} ran out of memory for this image; try {remedy}", title="Out of memory") from None
