"""What the user reads when a request cannot be done: the library's message, as a ``gr.Error``.

The library says what was wrong and what is accepted (``ValueError``, ``TypeError``: see
:mod:`stylesynth.validation`); the app only shows it. Running out of memory is recognized by its
exception type and suggests a remedy; any other error is a bug, logged with its traceback, and the
user reads Gradio's generic message.

In the browser a tab's button runs its work through :class:`Inline`: a failed run keeps the
result already shown (``gr.skip()``) and writes the message in the tab's message line (an
:func:`message_line`), which the next run clears when it starts (:func:`cleared`). The API
endpoints (``/stylize``, ``/synthesize``, ...) run the same work unwrapped and raise the
``gr.Error``, which ``gradio_client`` raises as an ``AppError`` with the message.
"""

from __future__ import annotations

import contextlib
import html
import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Any

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


#: The class of a tab's message line (styled by :data:`webapp.server.CSS`).
MESSAGE_CLASS = "run-message"


def message_line(elem_id: str) -> gr.HTML:
    """A tab's message line: empty until a run fails, then the message, until the next run starts."""
    return gr.HTML("", elem_id=elem_id, elem_classes=[MESSAGE_CLASS])


def message_html(error: gr.Error) -> str:
    """The message line's text for ``error`` (escaped: file names may hold ``<`` or ``&``)."""
    return f"⚠️ <b>{html.escape(str(error.title))}:</b> {html.escape(str(error.message))}"


def cleared() -> str:
    """The message line's value when a run starts: empty (the previous run's message goes)."""
    return ""


class Inline:
    """A tab's work as its button runs it: ``(*outputs, message)`` back, the message empty on success; on a
    ``gr.Error`` the outputs are kept as they were (``gr.skip()``) and the message says what was wrong."""

    def __init__(self, work: Callable[..., Any], outputs: int = 1) -> None:
        self.work = work
        self.outputs = outputs
        self.reports_progress = "progress" in inspect.signature(work).parameters

    def __call__(self, *values: Any, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Runs the work on the inputs' ``values`` (passing Gradio's ``progress`` on to work that reports it)."""
        try:
            result = self.work(*values, progress=progress) if self.reports_progress else self.work(*values)
        except gr.Error as error:
            return (*[gr.skip()] * self.outputs, message_html(error))
        results = result if self.outputs > 1 else (result,)
        return (*results, "")
