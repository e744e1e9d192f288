"""The `kerasnqs` command: parses the sub-command and turns user errors into one line.

To add a sub-command, write a module in `kerasnqs.cli` with two functions and list it
in `COMMANDS`:

- `add_parser(subparsers)` calls `subparsers.add_parser(name, help=...)`, adds its
  arguments and returns the new parser;
- `run(args)` does the work and returns an exit code (`None` means 0).

Errors in the user's input (`USER_ERRORS`, raised anywhere in `run`, and bad flags
found by argparse) print a single line `kerasnqs: error: ...` to stderr and exit with
status 2; warnings print as one line `kerasnqs: warning: ...`.

Start-up: `import kerasnqs` and the sub-command modules load neither TensorFlow nor
Keras, so `kerasnqs --help`, argument errors, `kerasnqs exact` and `kerasnqs zoo
list/info` answer in well under a second. A command that needs TensorFlow imports it in
its `run`, after checking its arguments; its start-up log is hidden (see
`kerasnqs.quiet_tensorflow`).
"""

import argparse
import sys
import warnings

from kerasnqs.cli import evaluate, exact, train, zoo
from kerasnqs.quiet_tensorflow import quiet_tensorflow_startup

COMMANDS = (train, evaluate, exact, zoo)
"""The sub-command modules, in the order `kerasnqs --help` lists them."""

USER_ERRORS = (
    ValueError,
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)
"""Exceptions that report a mistake in the user's input rather than a bug."""


class UsageError(Exception):
    """Raised by the parser for a bad command line; carries argparse's message."""


class _Parser(argparse.ArgumentParser):
    """An `ArgumentParser` that raises `UsageError` instead of printing usage and exiting."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser():
    """Returns the `kerasnqs` argument parser with every sub-command of `COMMANDS`.

    Returns:
        An `argparse.ArgumentParser`.
    """
    parser = _Parser(
        prog="kerasnqs",
        description="Autoregressive neural-network quantum states in TensorFlow and Keras.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers).set_defaults(run=command.run)
    return parser


def main(argv=None):
    """Runs the `kerasnqs` command line.

    Args:
        argv: the arguments after the program name; `None` reads `sys.argv[1:]`.

    Returns:
        The exit status: the sub-command's (0 when it returns `None`), or 2 after a
        user error.

    Example:

    >>> main(["exact", "--system", "tfim", "--size", "20", "--h", "1"])
    exact ground-state energy: -25.1077971116  (free fermions, TFIM chain n=20 open, h=1, J=1)
    0
    """
    quiet_tensorflow_startup()
    try:
        args = build_parser().parse_args(argv)
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args) or 0
    except (UsageError, *USER_ERRORS) as error:
        print(f"kerasnqs: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kerasnqs: interrupted", file=sys.stderr)
        return 130  # 128 + SIGINT, as a shell reports a process stopped by Ctrl-C.


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Prints a warning as one line `kerasnqs: warning: ...`, without the source line."""
    print(f"kerasnqs: warning: {_one_line(message)}", file=sys.stderr if file is None else file)


def _one_line(error):
    """The error's message on one line, with the file name of an `OSError`."""
    if isinstance(error, OSError) and error.filename is not None:
        message = f"{error.strerror}: {error.filename}"
    else:
        message = str(error) or type(error).__name__
    return " ".join(message.split())


if __name__ == "__main__":
    sys.exit(main())
