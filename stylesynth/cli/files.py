"""Input and output files of the folder-capable subcommands (``stylize``, ``synthesize``), named one way.

Outputs: one input file with ``-o`` ending in an image extension is written to that file. Otherwise
``-o`` is a folder: an input file ``x.jpg`` gives ``OUT/x.jpg``, and a folder ``photos/`` given as
input gives ``OUT/photos/<its path under photos/>`` (searched recursively), so nothing collides.
Inputs with another extension are written as PNG. All outputs of a run are written as one step
(:func:`stylesynth.io.staged_outputs`): a run that fails or is interrupted leaves every existing
file as it was and no temporary file behind.
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

from ..io.atomic import staged_outputs
from ..io.images import IMAGE_EXTENSIONS, write_image
from . import CLIError


def input_files(items: Iterable[Path], what: str, extensions: Sequence[str] = IMAGE_EXTENSIONS) -> list[tuple[Path, Path | None]]:
    """``(file, folder it was found in or None)`` for each file given or found (recursively, by ``extensions``) in a folder given."""
    found: list[tuple[Path, Path | None]] = []
    for item in items:
        if not item.exists():
            raise CLIError(f"{what} not found: {item}")
        if item.is_dir():
            files = sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in extensions and not p.name.startswith("."))
            if not files:
                raise CLIError(f"no {'images' if extensions == IMAGE_EXTENSIONS else 'images or videos'} in the folder {item} (looked recursively for {', '.join(extensions)})")
            found += [(file, item) for file in files]
        else:
            found.append((item, None))
    return found


def _image_formats(path: Path) -> tuple[Sequence[str], str]:
    return IMAGE_EXTENSIONS, ".png"


def plan_outputs(
    inputs: list[tuple[Path, Path | None]],
    output: Path,
    what: str,
    overwrite: bool,
    formats: Callable[[Path], tuple[Sequence[str], str]] = _image_formats,
) -> list[tuple[Path, Path]]:
    """``(input file, output file)`` pairs by the naming rule of this module, checked against what exists.

    ``formats(input)`` gives the output suffixes an input may be written as and the default one
    (images: :data:`IMAGE_EXTENSIONS`, ``.png``; videos have their own).
    """
    if len(inputs) == 1 and inputs[0][1] is None and output.suffix.lower() in formats(inputs[0][0])[0]:
        pairs = [(inputs[0][0], output)]
    else:
        if output.exists() and not output.is_dir():
            raise CLIError(f"output {output} is a file; with a folder or several {what}s, -o must be a folder")
        if output.suffix.lower() in IMAGE_EXTENSIONS and not output.exists():
            raise CLIError(f"output {output} looks like an image file, but there are {len(inputs)} {what}s; give a folder")
        pairs = []
        for file, folder in inputs:
            relative = Path(folder.name) / file.relative_to(folder) if folder is not None else Path(file.name)
            accepted, default = formats(file)
            if relative.suffix.lower() not in accepted:
                relative = relative.with_suffix(default)
            pairs.append((file, output / relative))
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
    return pairs


def write_all(
    pairs: list[tuple[Path, Path]],
    produce: Callable[[int, Path], Image.Image | Callable[[Path], object]],
    command: str,
    quiet: bool,
    announce: bool = True,
) -> None:
    """Writes ``produce(index, input)`` for every pair as one step, with a progress bar on stderr for several.

    ``produce`` returns an image, or a function that writes the output itself to the path it is given
    (a video, streamed). ``announce=False`` leaves stdout to the caller (``--json``): the outputs
    written are not printed.
    """
    show_progress = not quiet and len(pairs) > 1
    outputs = None
    try:
        with staged_outputs() as outputs:
            for index, (source, target) in enumerate(pairs):
                image = produce(index, source)
                if callable(image):
                    outputs.write(target, image)
                else:
                    outputs.write(target, lambda path, image=image, suffix=target.suffix: write_image(image, path, suffix))
                if show_progress:
                    _progress(command, index + 1, len(pairs), source)
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
    """Every output is in place: from here a Ctrl-C can only make a finished run look interrupted
    (or kill the interpreter while it shuts down, with no message), so it is ignored until the
    command returns (``main`` restores the handler when called with explicit arguments)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


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
