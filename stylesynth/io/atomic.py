"""Writing files and folders under a temporary name, renamed into place only when complete.

:func:`atomic_output` and :func:`atomic_directory` write one file or folder; :func:`staged_outputs`
writes many files as one step: every file goes to a temporary name beside its target, and only when
all are written are they renamed into place; if anything fails (an error, a full disk, Ctrl-C),
every file that existed before is left byte-identical and no temporary file remains.

- **Temporary names** are short, hidden and random (``.stylesynth-XXXXXXXX.tmp``) whatever the
  target's name, so any name the file system accepts can be written.
- **Names too long** for the target's file system (``os.pathconf(folder, "PC_NAME_MAX")``, 255
  bytes on most) are refused when the write starts, before any work, by :func:`check_name_fits`.
- **Exclusive creation**: without ``overwrite`` a file is put in place with ``os.link`` (a folder
  with ``os.mkdir`` and a rename onto it), which fails if the target exists, even one another
  program made while this one worked: :class:`OutputExistsError`, and nothing is replaced.
  With ``overwrite`` the final step is ``os.replace``.
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

#: Prefix of every temporary file and folder: hidden, and independent of the target's name.
TEMPORARY_PREFIX = ".stylesynth-"
#: File name limit assumed where the file system does not say (``os.pathconf`` unsupported).
DEFAULT_NAME_MAX = 255
#: errno values of ``os.link`` on file systems without hard links.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS})


class OutputExistsError(FileExistsError):
    """The target of an exclusive write exists (perhaps made by another program meanwhile); nothing was replaced."""

    def __init__(self, target: Path) -> None:
        super().__init__(
            errno.EEXIST,
            f"{target} already exists (another program wrote it while this one was working); nothing was replaced; "
            "choose another name or allow overwriting",
        )
        self.target = target


def name_limit(folder: Path) -> int:
    """The longest file name (in bytes) that ``folder``'s file system accepts (the nearest existing folder above it is asked).

    ``os.path.exists`` here and below: ``Path.exists`` raises for the very names being checked (ENAMETOOLONG).
    """
    while not os.path.exists(folder) and folder != folder.parent:
        folder = folder.parent
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return DEFAULT_NAME_MAX


def check_name_fits(target: str | os.PathLike, folder: bool = False) -> None:
    """Refuses ``target`` (a file, or a folder with ``folder``) if its name, or the name of a folder that would
    have to be created for it, is longer than the file system allows: an ``OSError`` (``ENAMETOOLONG``)
    naming the file and the limit."""
    path = Path(target)
    names = [path]
    while not os.path.exists(names[-1].parent) and names[-1].parent != names[-1].parent.parent:
        names.append(names[-1].parent)
    limit = name_limit(path.parent)
    for entry in names:
        length = len(os.fsencode(entry.name))
        if length > limit:
            what = "file" if entry == path and not folder else "folder"
            raise OSError(
                errno.ENAMETOOLONG,
                f"cannot write {path}: the {what} name {entry.name!r} is {length} bytes, more than the {limit} bytes "
                f"the file system of {_nearest_existing(entry.parent)} allows for a name; choose a shorter name",
            )


def _nearest_existing(folder: Path) -> Path:
    while not os.path.exists(folder) and folder != folder.parent:
        folder = folder.parent
    return folder


def _link_into_place(temporary: Path, target: Path) -> None:
    """Gives ``temporary``'s file the name ``target`` only if nothing has that name (race-free), then drops the temporary name."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise OutputExistsError(target) from None
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        try:  # no hard links here: claim the name exclusively, then rename onto the claim
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise OutputExistsError(target) from None
        os.replace(temporary, target)
        return
    temporary.unlink()


def put_in_place(temporary: Path, target: Path, overwrite: bool) -> None:
    """Renames the finished ``temporary`` to ``target``: replacing what is there with ``overwrite``, else only if nothing is."""
    if overwrite:
        os.replace(temporary, target)
    else:
        _link_into_place(temporary, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _default_permissions(path: Path, directory: bool) -> None:
    """mkstemp/mkdtemp create private (0600/0700) entries; give the final ones the usual umask permissions."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, overwrite: bool = True) -> Iterator[Path]:
    """Yields a temporary path beside ``path``; on success it is renamed to ``path``, on error removed.

    With ``overwrite=False`` an existing ``path`` is refused at the start and, if one appears while the
    block runs, at the end (:class:`OutputExistsError`); nothing is replaced. A name too long for the
    file system is refused at the start (:func:`check_name_fits`).

    >>> with atomic_output("out.png") as tmp:
    ...     image.save(tmp, format="PNG")
    """
    target = Path(path)
    check_name_fits(target)
    if not overwrite and (target.exists() or target.is_symlink()):
        raise OutputExistsError(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_beside(target, ".tmp")
    try:
        yield temporary
        _default_permissions(temporary, directory=False)
        put_in_place(temporary, target, overwrite)
    finally:
        temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yields a temporary folder beside ``path``; on success it replaces ``path``, on error it is removed."""
    target = Path(path)
    check_name_fits(target, folder=True)
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target} is a file, not a folder; choose a folder name (an existing file is never replaced by a folder)")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists; choose another folder or allow overwriting")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX, suffix=".tmp", dir=target.parent))
    try:
        yield temporary
        _default_permissions(temporary, directory=True)
        for entry in temporary.rglob("*"):  # some writers (safetensors) create their files 0600
            if entry.is_file() and not entry.is_symlink():
                _default_permissions(entry, directory=False)
        with _interrupts_deferred():  # the old folder is moved aside, not deleted, until the new one is in place
            previous = None
            if not overwrite:
                _claim_folder(target)  # exclusive: fails if a folder appeared meanwhile; the rename below replaces the empty claim
            elif target.exists():
                previous = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX, suffix=".old", dir=target.parent)) / target.name
                os.replace(target, previous)
            try:
                os.replace(temporary, target)
            except BaseException:
                if previous is not None:
                    os.replace(previous, target)
                    previous.parent.rmdir()
                elif not overwrite:
                    with contextlib.suppress(OSError):
                        target.rmdir()  # the empty claim
                raise
            if previous is not None:
                shutil.rmtree(previous.parent, ignore_errors=True)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _claim_folder(target: Path) -> None:
    """Creates ``target`` as an empty folder, or raises :class:`OutputExistsError` if anything has that name."""
    try:
        os.mkdir(target)
    except FileExistsError:
        raise OutputExistsError(target) from None


def _temporary_beside(target: Path, suffix: str) -> Path:
    """A new empty file ``.stylesynth-XXXXXXXX<suffix>`` in ``target``'s folder; an error names the folder, not the file."""
    try:
        handle, name = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix=suffix, dir=target.parent)
    except OSError as error:
        raise type(error)(error.errno, f"cannot write in the folder {target.parent}: {error.strerror}") from None
    os.close(handle)
    return Path(name)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Holds SIGINT, SIGTERM and SIGHUP back (delivered on exit) so a rename-or-restore step is never cut in half."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signals = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class StagedOutputs:
    """Files written under temporary names beside their targets and put in place together by :meth:`commit`.

    Use it through :func:`staged_outputs`. With ``overwrite=False`` every target must be new: one that
    exists when it is written, or appears before :meth:`commit` (made by another program), is an
    :class:`OutputExistsError` and nothing is put in place.
    """

    def __init__(self, overwrite: bool = True) -> None:
        self.overwrite = overwrite
        self._staged: dict[Path, Path] = {}  # target -> temporary
        self._created_folders: list[Path] = []
        #: True once :meth:`commit` has put every file in place (an interrupt held back during it may still follow)
        self.committed = False

    def write(self, target: str | os.PathLike, writer: Callable[[Path], object]) -> None:
        """Calls ``writer(temporary_path)`` to write the file that :meth:`commit` will put at ``target``."""
        target = Path(target)
        check_name_fits(target)
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, f"cannot write the file {target}: a folder of that name exists")
        if target in self._staged:
            raise FileExistsError(errno.EEXIST, f"{target} is written twice in one run")
        if not self.overwrite and (target.exists() or target.is_symlink()):
            raise OutputExistsError(target)
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
                    if not self.overwrite:
                        _default_permissions(temporary, directory=False)
                        _link_into_place(temporary, target)
                        done.append((target, None))
                        continue
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
def staged_outputs(overwrite: bool = True) -> Iterator[StagedOutputs]:
    """Writes many files as one step: all are put in place when the block succeeds, none if it fails.

    Existing targets are replaced only with ``overwrite`` (the default); without it, a target that
    exists (or appears while the block runs) is an :class:`OutputExistsError` and nothing is written.

    >>> with staged_outputs(overwrite=False) as outputs:
    ...     for image, target in results:
    ...         outputs.write(target, lambda path: image.save(path, format="PNG"))
    """
    outputs = StagedOutputs(overwrite)
    try:
        yield outputs
        outputs.commit()
    finally:
        outputs.discard()
