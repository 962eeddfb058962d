"""Input and output files of the folder-capable subcommands (``stylize``, ``synthesize``), named one way.

Inputs: files given, and the files of folders given (searched recursively) whose suffix is one of
the accepted ones (images: :data:`stylesynth.io.formats.IMAGE_EXTENSIONS`, the one table of image
formats). Anything that is not a regular file (a FIFO, a device) is refused before it is opened.

Outputs: ``-o`` with a suffix is one output file; it needs one input file, and a suffix accepted for
that input (an image's: the image formats; a video's: the video containers); any other suffix is an
error naming the accepted ones. ``-o`` without a suffix, or an existing folder, is a folder: an
input file ``x.jpg`` gives ``OUT/x.jpg``, and a folder ``photos/`` given as input gives
``OUT/photos/<its path under photos/>``, so nothing collides. Inputs with another extension are
written in the input kind's default format (PNG; MP4 for videos). Every output name is checked
against the file system's name limit before any work.

All outputs of a run are written as one step (:func:`stylesynth.io.staged_outputs`): a run that
fails or is interrupted (Ctrl-C, SIGTERM) leaves every existing file as it was and no temporary
file behind. Without ``--overwrite`` outputs are created exclusively: one that another program
writes while the run works is kept, and the run fails saying so.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from ..io.atomic import OutputExistsError, check_name_fits, staged_outputs
from ..io.files import special_file_kind
from ..io.images import IMAGE_EXTENSIONS, write_image
from . import INTERRUPTS, CLIError


class OutputPlan(list[tuple[Path, Path]]):
    """The ``(input file, output file)`` pairs of a run, and whether it may replace existing outputs."""

    def __init__(self, pairs: Iterable[tuple[Path, Path]], overwrite: bool) -> None:
        super().__init__(pairs)
        self.overwrite = overwrite


def _refuse_special(path: Path, what: str) -> None:
    kind = special_file_kind(path)
    if kind is not None and kind != "a folder":
        raise CLIError(f"{what} {path}: is {kind}, not a regular file; expected image or video files, or folders of them")


def input_files(items: Iterable[Path], what: str, extensions: Sequence[str] = IMAGE_EXTENSIONS) -> list[tuple[Path, Path | None]]:
    """``(file, folder it was found in or None)`` for each file given or found (recursively, by ``extensions``) in a folder given."""
    found: list[tuple[Path, Path | None]] = []
    for item in items:
        if not item.exists():
            raise CLIError(f"{what} not found: {item}")
        _refuse_special(item, what)
        if item.is_dir():
            named = [p for p in item.rglob("*") if p.suffix.lower() in extensions and not p.name.startswith(".") and not p.is_dir()]
            for path in named:
                _refuse_special(path, what)
            files = sorted(p for p in named if p.is_file())
            if not files:
                raise CLIError(f"no {'images' if extensions == IMAGE_EXTENSIONS else 'images or videos'} in the folder {item} (looked recursively for {', '.join(extensions)})")
            found += [(file, item) for file in files]
        else:
            found.append((item, None))
    return found


def _image_formats(path: Path) -> tuple[Sequence[str], str]:
    return IMAGE_EXTENSIONS, ".png"


def _is_folder_output(output: Path) -> bool:
    """``-o`` names a folder: an existing one, or a name without a suffix."""
    return output.is_dir() or not output.suffix


def _kind(accepted: Sequence[str]) -> str:
    return "an image" if tuple(accepted) == tuple(IMAGE_EXTENSIONS) else "a video"


def plan_outputs(
    inputs: list[tuple[Path, Path | None]],
    output: Path,
    what: str,
    overwrite: bool,
    formats: Callable[[Path], tuple[Sequence[str], str]] = _image_formats,
) -> OutputPlan:
    """``(input file, output file)`` pairs by the naming rule of this module, checked against what exists.

    ``formats(input)`` gives the output suffixes an input may be written as and the default one
    (images: :data:`IMAGE_EXTENSIONS`, ``.png``; videos have their own). Every check is made here,
    before any work: the output suffix, existing outputs, and names too long for the file system.
    """
    check_name_fits(output, folder=not output.suffix)
    suffix = output.suffix.lower()
    single = len(inputs) == 1 and inputs[0][1] is None
    if single and suffix in formats(inputs[0][0])[0]:
        pairs = [(inputs[0][0], output)]
    elif not _is_folder_output(output):
        if not single:
            if output.exists():
                raise CLIError(f"output {output} is a file; with a folder or several {what}s, -o must be a folder")
            raise CLIError(
                f"output {output} names a file ({suffix}), but there are {len(inputs)} {what}s; give a folder: a name without a "
                "suffix, or an existing folder"
            )
        source = inputs[0][0]
        allowed = formats(source)[0]
        kind = _kind(allowed)
        raise CLIError(
            f"output {output}: {what} {source} is {kind}, and the output of {kind} must end in {', '.join(allowed)}; "
            "or -o must be a folder (a name without a suffix, or an existing folder)"
        )
    else:
        if output.exists() and not output.is_dir():
            raise CLIError(f"output {output} is a file; with a folder or several {what}s, -o must be a folder")
        pairs = []
        for file, folder in inputs:
            relative = Path(folder.name) / file.relative_to(folder) if folder is not None else Path(file.name)
            allowed, default = formats(file)
            if relative.suffix.lower() not in allowed:
                relative = relative.with_suffix(default)
            pairs.append((file, output / relative))
    for _, target in pairs:
        check_name_fits(target)
    targets = [target for _, target in pairs]
    if len(set(targets)) != len(targets):
        duplicate = next(target for target in targets if targets.count(target) > 1)
        raise CLIError(f"two {what}s would both be written to {duplicate}; rename one or run them separately")
    for _, target in pairs:
        if target.is_dir():
            raise CLIError(f"output {target} is a folder; give a file name or a folder to write into")
        if target.exists() and not overwrite:
            existing = sum(target.exists() for target in targets)
            raise CLIError(f"output {target} already exists ({existing} of {len(targets)} outputs do); use --overwrite to replace")
    return OutputPlan(pairs, overwrite)


def write_all(
    pairs: list[tuple[Path, Path]],
    produce: Callable[[int, Path], Image.Image | Callable[[Path], object]],
    command: str,
    quiet: bool,
    announce: bool = True,
    overwrite: bool | None = None,
) -> None:
    """Writes ``produce(index, input)`` for every pair as one step, with a progress bar on stderr for several.

    ``produce`` returns an image, or a function that writes the output itself to the path it is given
    (a video, streamed). ``announce=False`` leaves stdout to the caller (``--json``): the outputs
    written are not printed. Existing outputs are replaced only with ``overwrite`` (by default the
    ``--overwrite`` of the :class:`OutputPlan` ``pairs`` is); otherwise every output is created exclusively.
    """
    if overwrite is None:
        if not isinstance(pairs, OutputPlan):
            raise TypeError("write_all needs the OutputPlan of plan_outputs, or overwrite=True/False")
        overwrite = pairs.overwrite
    show_progress = not quiet and len(pairs) > 1
    outputs = None
    try:
        with staged_outputs(overwrite=overwrite) as outputs:
            for index, (source, target) in enumerate(pairs):
                image = produce(index, source)
                if callable(image):
                    outputs.write(target, image)
                else:
                    outputs.write(target, lambda path, image=image, suffix=target.suffix: write_image(image, path, suffix))
                if show_progress:
                    _progress(command, index + 1, len(pairs), source)
    except OutputExistsError as error:
        raise CLIError(
            f"output {error.target} was created by another program while this run was working; it was kept and nothing "
            "was written; use --overwrite to replace it"
        ) from None
    except KeyboardInterrupt:
        if outputs is None or not outputs.committed:
            raise
        # Ctrl-C held back while the outputs were put in place: the run is complete, report it so
    finally:
        if show_progress:
            print(file=sys.stderr)
    _ignore_later_interrupts()
    if not quiet and announce:
        print(pairs[0][1] if len(pairs) == 1 else f"{len(pairs)} files written to {_common_folder(pairs)}")


def _ignore_later_interrupts() -> None:
    """Every output is in place: from here a Ctrl-C or SIGTERM can only make a finished run look
    interrupted (or kill the interpreter while it shuts down, with no message), so they are ignored
    until the command returns (``main`` restores the handlers when called with explicit arguments)."""
    if threading.current_thread() is threading.main_thread():
        for number in INTERRUPTS:
            signal.signal(number, signal.SIG_IGN)


def json_report(command: str, model: Any, checkpoint: str, pairs: list[tuple[Path, Path]], sizes: dict[Path, tuple[int, int]], started: float) -> str:
    """One JSON object (one line) describing a finished run: what ``--json`` prints on stdout."""
    return json.dumps(
        {
            "command": command,
            "inputs": [str(source) for source, _ in pairs],
            "outputs": [str(target) for _, target in pairs],
            "sizes": [list(sizes[source]) if source in sizes else None for source, _ in pairs],
            "model": checkpoint,
            "device": str(model.device),
            "precision": model.precision,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )


def _common_folder(pairs: list[tuple[Path, Path]]) -> Path:
    parents = [target.parent for _, target in pairs]
    common = parents[0]
    while not all(parent == common or common in parent.parents for parent in parents):
        common = common.parent
    return common


def _progress(command: str, done: int, total: int, source: Path, width: int = 30) -> None:
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r{command} [{bar}] {done}/{total} {source.name[:40]:<40}", end="", file=sys.stderr, flush=True)
