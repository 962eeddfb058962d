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
writes while the run works is kept, and the run fails saying so. With ``--skip-existing`` outputs
that exist are left untouched (bytes and times) and counted as skipped; only the missing ones are
made, so an interrupted folder run is finished by running it again.

``-o -`` writes one image to stdout (PNG), and then nothing else goes to stdout: progress and
notes are on stderr. Inputs are files: ``-`` (stdin) as an input is refused with a message.
"""

from __future__ import annotations

import io
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

#: ``-`` as an input (stdin) or as ``-o`` (stdout).
STDIO = Path("-")
#: ``--format`` of ``-o -`` -> the suffix whose encoder writes stdout (PNG by default).
STDOUT_FORMATS = {"png": ".png", "jpg": ".jpg", "webp": ".webp"}


class OutputPlan(list[tuple[Path, Path]]):
    """The ``(input file, output file)`` pairs of a run, whether it may replace existing outputs, the outputs it
    skips because they exist (``--skip-existing``), and the suffix whose format stdout gets (``-o -``; else ``None``)."""

    def __init__(
        self,
        pairs: Iterable[tuple[Path, Path]],
        overwrite: bool,
        skipped: Sequence[tuple[Path, Path]] = (),
        stdout_suffix: str | None = None,
    ) -> None:
        super().__init__(pairs)
        self.overwrite = overwrite
        self.skipped = list(skipped)
        self.stdout_suffix = stdout_suffix


def is_stdio(path: Path | str) -> bool:
    """Whether an input or ``-o`` is ``-`` (stdin, stdout)."""
    return str(path) == "-"


def write_stdout(image: Image.Image, suffix: str) -> None:
    """``image`` encoded in the format of ``suffix`` (PNG, JPEG, WebP), written to stdout in one piece."""
    buffer = io.BytesIO()
    image.save(buffer, format=Image.registered_extensions()[suffix])
    try:
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise CLIError("stdout was closed before the image was written (the program reading it ended)") from None


def _refuse_special(path: Path, what: str) -> None:
    kind = special_file_kind(path)
    if kind is not None and kind != "a folder":
        raise CLIError(f"{what} {path}: is {kind}, not a regular file; expected image or video files, or folders of them")


def input_files(items: Iterable[Path], what: str, extensions: Sequence[str] = IMAGE_EXTENSIONS) -> list[tuple[Path, Path | None]]:
    """``(file, folder it was found in or None)`` for each file given or found (recursively, by ``extensions``) in a folder given.

    """
    items = list(items)
    if any(is_stdio(item) for item in items):
        raise CLIError(f"{what} '-': reading stdin is not supported; give the file's name (-o - does write stdout)")
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
    skip_existing: bool = False,
    stdout_format: str | None = None,
) -> OutputPlan:
    """``(input file, output file)`` pairs by the naming rule of this module, checked against what exists.

    ``formats(input)`` gives the output suffixes an input may be written as and the default one
    (images: :data:`IMAGE_EXTENSIONS`, ``.png``; videos have their own). Every check is made here,
    before any work: the output suffix, existing outputs, and names too long for the file system.
    ``skip_existing``: outputs that exist are left as they are and listed in the plan's ``skipped``
    (not with ``overwrite``). ``-o -`` is stdout, for one image, in ``stdout_format`` (a key of
    :data:`STDOUT_FORMATS`; default PNG);
    """
    if overwrite and skip_existing:
        raise CLIError("--overwrite and --skip-existing exclude each other: replace existing outputs, or keep them and write only the missing ones")
    if stdout_format is not None and not is_stdio(output):
        raise CLIError(f"--format {stdout_format} applies to -o - (stdout) only; a file's format follows its suffix ({', '.join(IMAGE_EXTENSIONS)})")
    if is_stdio(output):
        return _plan_stdout(inputs, what, overwrite, skip_existing, formats, stdout_format)
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
    skipped = []
    for pair in pairs:
        target = pair[1]
        if target.is_dir():
            raise CLIError(f"output {target} is a folder; give a file name or a folder to write into")
        if target.exists() and skip_existing:
            skipped.append(pair)
        elif target.exists() and not overwrite:
            existing = sum(target.exists() for target in targets)
            raise CLIError(
                f"output {target} already exists ({existing} of {len(targets)} outputs do); use --overwrite to replace, "
                "or --skip-existing to keep them and write only the missing ones"
            )
    return OutputPlan([pair for pair in pairs if pair not in skipped], overwrite, skipped)


def _plan_stdout(
    inputs: list[tuple[Path, Path | None]],
    what: str,
    overwrite: bool,
    skip_existing: bool,
    formats: Callable[[Path], tuple[Sequence[str], str]],
    stdout_format: str | None,
) -> OutputPlan:
    """The plan of ``-o -``: one image input, written to stdout in ``stdout_format``."""
    if len(inputs) != 1 or inputs[0][1] is not None:
        raise CLIError(f"-o - (stdout) takes one image, but there are {len(inputs)} {what}s{' (a folder)' if inputs and inputs[0][1] else ''}; give -o a folder")
    source = inputs[0][0]
    if tuple(formats(source)[0]) != tuple(IMAGE_EXTENSIONS):
        raise CLIError(f"-o - (stdout) takes images only; {what} {source} is a video; give -o a video file name or a folder")
    for flag, given in (("--overwrite", overwrite), ("--skip-existing", skip_existing)):
        if given:
            raise CLIError(f"{flag} applies to output files; -o - writes stdout, which replaces nothing")
    if stdout_format is not None and stdout_format not in STDOUT_FORMATS:
        raise CLIError(f"--format {stdout_format}: expected one of {', '.join(STDOUT_FORMATS)}")
    return OutputPlan([(source, STDIO)], overwrite=False, stdout_suffix=STDOUT_FORMATS[stdout_format or "png"])


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
    skipped = len(pairs.skipped) if isinstance(pairs, OutputPlan) else 0
    if isinstance(pairs, OutputPlan) and pairs.stdout_suffix is not None:
        image = produce(0, pairs[0][0])
        if callable(image):
            raise CLIError("-o - (stdout) takes images only; give -o a video file name or a folder")
        write_stdout(image, pairs.stdout_suffix)
        _ignore_later_interrupts()
        return
    if not pairs:
        if not quiet and announce:
            print(f"0 files written, {skipped} skipped (their outputs exist; --skip-existing kept them)")
        return
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
        kept = f", {skipped} skipped (their outputs exist; --skip-existing kept them)" if skipped else ""
        print(pairs[0][1] if len(pairs) == 1 and not skipped else f"{len(pairs)} files written to {_common_folder(pairs)}{kept}")


def _ignore_later_interrupts() -> None:
    """Every output is in place: from here a Ctrl-C or SIGTERM can only make a finished run look
    interrupted (or kill the interpreter while it shuts down, with no message), so they are ignored
    until the command returns (``main`` restores the handlers when called with explicit arguments)."""
    if threading.current_thread() is threading.main_thread():
        for number in INTERRUPTS:
            signal.signal(number, signal.SIG_IGN)


def json_report(
    command: str,
    model: Any,
    checkpoint: str,
    pairs: list[tuple[Path, Path]],
    sizes: dict[Path, tuple[int, int]],
    started: float,
    extra: dict[str, Any] | None = None,
) -> str:
    """One JSON object (one line) describing a finished run: what ``--json`` prints on stdout.

    ``skipped`` lists the outputs ``--skip-existing`` kept (their inputs were not processed); ``extra``
    adds a command's own keys.
    """
    skipped = pairs.skipped if isinstance(pairs, OutputPlan) else []
    return json.dumps(
        {
            "command": command,
            "inputs": [str(source) for source, _ in pairs],
            "outputs": [str(target) for _, target in pairs],
            "sizes": [list(sizes[source]) if source in sizes else None for source, _ in pairs],
            "skipped": [str(target) for _, target in skipped],
            "model": checkpoint,
            "device": str(model.device),
            "precision": model.precision,
            "seconds": round(time.perf_counter() - started, 3),
            **(extra or {}),
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
