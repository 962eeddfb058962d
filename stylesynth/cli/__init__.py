"""The ``stylesynth`` command line: ``stylesynth stylize``, ``presets``, ``synthesize``, ``export`` and ``info``.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args) -> int``.
Building the parsers imports neither torch nor the library's heavy modules: ``--help``,
``--version`` and argument errors answer at once, and each ``run`` imports what it needs.
Bad input ends in one clear line on stderr and exit code 2, never a traceback. Ctrl-C (SIGINT) and
the termination signals (SIGTERM, SIGHUP) end a run the same way: the temporary files are removed,
existing files are kept, one line says so, and the exit code is 128 + the signal's number (130,
143, 129).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

#: subcommand name -> module in this package
COMMANDS = {"stylize": "stylize", "presets": "presets", "synthesize": "synthesize", "export": "export", "info": "info"}

EPILOG = """\
examples:
  stylesynth stylize examples/content/cat.jpg -s examples/styles/mosaic.jpg -o cat-mosaic.png
  stylesynth stylize examples/content -s examples/styles/waves.jpg examples/styles/swirls.jpg -o out/
  stylesynth presets examples/content/cat.jpg -o presets.png
  stylesynth stylize examples/content/cat.jpg --model magenta-26 -s 7 -o cat-7.png
  stylesynth synthesize examples/scenes/lake.png --seed 0 -o lake.png
  stylesynth export runs/adain/last.ckpt my-adain/
  stylesynth info --json

Run "stylesynth COMMAND --help" for the options of a command.
"""


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


#: Signals that end a run as Ctrl-C does (where the platform has them).
TERMINATION_SIGNALS: tuple[signal.Signals, ...] = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
#: Ctrl-C and the termination signals: held back while outputs are put in place, ignored once they are.
INTERRUPTS: tuple[signal.Signals, ...] = (signal.SIGINT, *TERMINATION_SIGNALS)


class Terminated(KeyboardInterrupt):
    """A termination signal raised in the main thread as Ctrl-C is, so every cleanup that runs on Ctrl-C
    (``finally`` blocks, the atomic writers' temporary files) runs for it too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


def _interrupted(error: KeyboardInterrupt) -> tuple[str, int]:
    """The message's word for the interruption (naming a termination signal), and the conventional exit code (128 + its number)."""
    if isinstance(error, Terminated):
        return f"interrupted ({signal.Signals(error.signum).name})", 128 + error.signum
    return "interrupted", 128 + signal.SIGINT


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (``PROG: error: MESSAGE``) and exit code 2, without the usage."""

    def error(self, message: str) -> NoReturn:
        hint = f'; see "{self.prog} --help"'
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}{hint}\n")


def package_version() -> str:
    """The installed distribution's version (``importlib.metadata``), or the package's own where it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("stylesynth")
    except PackageNotFoundError:
        from .. import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="stylesynth",
        description="Arbitrary style transfer (AdaIN) and semantic image synthesis (SPADE) from the command line.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"stylesynth {package_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for module_name in COMMANDS.values():  # every one ships with the package: a failed import is a real error
        importlib.import_module(f"{__name__}.{module_name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.from_command_line = argv is None or list(argv) == sys.argv[1:]  # --devices runs this command line again
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handlers = {number: signal.getsignal(number) for number in INTERRUPTS} if in_main_thread else {}
    try:
        for number in TERMINATION_SIGNALS if in_main_thread else ():
            signal.signal(number, _terminate)
        return int(args.run(args) or 0)
    except KeyboardInterrupt as error:
        what, code = _interrupted(error)
        print(f"stylesynth {args.command}: {what}; nothing was written", file=sys.stderr)
        return code
    except (CLIError, ValueError, TypeError) as error:
        return _fail(args.command, str(error))
    except OSError as error:  # a full disk, a read-only folder, a file that vanished
        return _fail(args.command, describe_os_error(error))
    except MemoryError:
        return _fail(args.command, "out of memory; try smaller images (--size) or fewer at once")
    except RuntimeError as error:
        torch = sys.modules.get("torch")  # imported by the run that raised, if it got that far
        if torch is not None and isinstance(error, torch.OutOfMemoryError):
            return _fail(args.command, "the device ran out of memory; try smaller images (--size) or --device cpu")
        raise
    finally:
        # A run that put its outputs in place ignores these signals from then on (cli.files); as the
        # `stylesynth` command that lasts until the process exits, called from Python it ends here.
        if argv is not None:
            for number, handler in previous_handlers.items():
                if handler is not None:
                    signal.signal(number, handler)


def _fail(command: str, message: str) -> int:
    from .distributed import silent_errors

    if silent_errors():  # the first process of a multi-process run says it, once
        return 2
    print(f"stylesynth {command}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def describe_os_error(error: OSError) -> str:
    """An OSError in one line: what went wrong and with which file, without the errno in brackets."""
    if error.strerror is None:
        return str(error)
    return f"{error.filename}: {error.strerror}" if error.filename is not None else error.strerror


if __name__ == "__main__":
    sys.exit(main())
