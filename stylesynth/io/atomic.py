"""Writing files and folders under a temporary name, renamed into place only when complete.

:func:`atomic_output` and :func:`atomic_directory` write one file or folder; :func:`staged_outputs`
writes many files as one step: every file goes to a temporary name beside its target, and only when
all are written are they renamed into place; if anything fails (an error, a full disk, Ctrl-C),
every file that existed before is left byte-identical and no temporary file remains.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _default_permissions(path: Path, directory: bool) -> None:
    """mkstemp/mkdtemp create private (0600/0700) entries; give the final ones the usual umask permissions."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path beside ``path``; on success it is renamed to ``path``, on error removed.

    >>> with atomic_output("out.png") as tmp:
    ...     image.save(tmp, format="PNG")
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        _default_permissions(temporary, directory=False)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yields a temporary folder beside ``path``; on success it replaces ``path``, on error it is removed."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target} is a file, not a folder; choose a folder name (an existing file is never replaced by a folder)")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists; choose another folder or allow overwriting")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield temporary
        _default_permissions(temporary, directory=True)
        for entry in temporary.rglob("*"):  # some writers (safetensors) create their files 0600
            if entry.is_file() and not entry.is_symlink():
                _default_permissions(entry, directory=False)
        with _interrupts_deferred():  # the old folder is moved aside, not deleted, until the new one is in place
            previous = None
            if target.exists():
                previous = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)) / target.name
                os.replace(target, previous)
            try:
                os.replace(temporary, target)
            except BaseException:
                if previous is not None:
                    os.replace(previous, target)
                    previous.parent.rmdir()
                raise
            if previous is not None:
                shutil.rmtree(previous.parent, ignore_errors=True)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _temporary_beside(target: Path, suffix: str) -> Path:
    """A new empty file ``.<name>.XXXX<suffix>`` in ``target``'s folder; an error names the folder, not the file."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    except OSError as error:
        raise type(error)(error.errno, f"cannot write in the folder {target.parent}: {error.strerror}") from None
    os.close(handle)
    return Path(name)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Holds SIGINT/SIGTERM back (delivered on exit) so a rename-or-restore step is never cut in half."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signals = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class StagedOutputs:
    """Files written under temporary names beside their targets and put in place together by :meth:`commit`.

    Use it through :func:`staged_outputs`.
    """

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}  # target -> temporary
        self._created_folders: list[Path] = []
        #: True once :meth:`commit` has put every file in place (an interrupt held back during it may still follow)
        self.committed = False

    def write(self, target: str | os.PathLike, writer: Callable[[Path], object]) -> None:
        """Calls ``writer(temporary_path)`` to write the file that :meth:`commit` will put at ``target``."""
        target = Path(target)
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, f"cannot write the file {target}: a folder of that name exists")
        if target in self._staged:
            raise FileExistsError(errno.EEXIST, f"{target} is written twice in one run")
        self._make_folder(target.parent)
        temporary = _temporary_beside(target, ".tmp")
        self._staged[target] = temporary
        try:
            writer(temporary)
        except OSError as error:
            raise type(error)(error.errno, f"cannot write {target}: {error.strerror or error}") from None

    def _make_folder(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            try:
                path.mkdir()
            except OSError as error:
                raise type(error)(error.errno, f"cannot create the folder {path}: {error.strerror}") from None
            self._created_folders.append(path)

    def commit(self) -> None:
        """Renames every staged file into place; if one rename fails, the ones before it are undone."""
        done: list[tuple[Path, Path | None]] = []  # (target, backup of what it held, or None if new)
        with _interrupts_deferred():
            try:
                for target, temporary in self._staged.items():
                    backup = None
                    if target.exists():
                        backup = _temporary_beside(target, ".bak")
                        _keep_copy(target, backup)
                    _default_permissions(temporary, directory=False)
                    try:
                        os.replace(temporary, target)
                    except BaseException:
                        if backup is not None:  # the target was not touched
                            backup.unlink(missing_ok=True)
                        raise
                    done.append((target, backup))
            except BaseException:
                for target, backup in reversed(done):
                    if backup is not None:
                        os.replace(backup, target)
                    else:
                        target.unlink(missing_ok=True)
                raise
            for _, backup in done:
                if backup is not None:
                    backup.unlink(missing_ok=True)
            self._staged.clear()
            self._created_folders.clear()
            self.committed = True

    def discard(self) -> None:
        """Removes the staged temporaries (and the folders made for them, when empty)."""
        for temporary in self._staged.values():
            temporary.unlink(missing_ok=True)
        self._staged.clear()
        for folder in reversed(self._created_folders):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._created_folders.clear()


def _keep_copy(target: Path, backup: Path) -> None:
    """``backup`` becomes a second name (or, where hard links are not supported, a copy) of ``target``."""
    backup.unlink()
    try:
        os.link(target, backup)
    except OSError:
        shutil.copy2(target, backup)


@contextlib.contextmanager
def staged_outputs() -> Iterator[StagedOutputs]:
    """Writes many files as one step: all are put in place when the block succeeds, none if it fails.

    >>> with staged_outputs() as outputs:
    ...     for image, target in results:
    ...         outputs.write(target, lambda path: image.save(path, format="PNG"))
    """
    outputs = StagedOutputs()
    try:
        yield outputs
        outputs.commit()
    finally:
        outputs.discard()
