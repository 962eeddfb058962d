"""The ``stylesynth`` command line: ``stylesynth stylize``, ``stylesynth synthesize``, ``stylesynth export``.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args) -> int``.
Bad input ends in one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence

#: subcommand name -> module in this package
COMMANDS = {"stylize": "stylize", "synthesize": "synthesize", "export": "export"}


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stylesynth", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMANDS.values():  # every one ships with the package: a failed import is a real error
        importlib.import_module(f"{__name__}.{module_name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handler = signal.getsignal(signal.SIGINT) if in_main_thread else None
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print(f"stylesynth {args.command}: interrupted; nothing was written", file=sys.stderr)
        return 130
    except (CLIError, ValueError, TypeError) as error:
        return _fail(args.command, str(error))
    except OSError as error:  # a full disk, a read-only folder, a file that vanished
        return _fail(args.command, describe_os_error(error))
    except MemoryError:
        return _fail(args.command, "out of memory; try smaller images (--size) or fewer at once")
    except RuntimeError as error:
        import torch  # already imported by the run that raised

        if isinstance(error, torch.OutOfMemoryError):
            return _fail(args.command, "the device ran out of memory; try smaller images (--size) or --device cpu")
        raise
    finally:
        # A run that put its outputs in place ignores Ctrl-C from then on (cli.files); as the
        # `stylesynth` command that lasts until the process exits, called from Python it ends here.
        if argv is not None and in_main_thread and previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)


def _fail(command: str, message: str) -> int:
    print(f"stylesynth {command}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def describe_os_error(error: OSError) -> str:
    """An OSError in one line: what went wrong and with which file, without the errno in brackets."""
    if error.strerror is None:
        return str(error)
    return f"{error.filename}: {error.strerror}" if error.filename is not None else error.strerror


if __name__ == "__main__":
    sys.exit(main())
