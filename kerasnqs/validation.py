"""The checks of user-facing arguments: one home for every constructor and command.

Each `check` returns the value in its plain Python type, or raises one `ValueError` whose
message names the argument, its value and what was expected, on one line:

    `units` must be an integer >= 1, got 2.5.

The predicates (`is_integer`, `is_finite_positive`) serve the callers whose message
says more than the checks here do (the command line's `--flag` messages, or a reason
such as "the error of the mean needs at least two samples").

This module does not import TensorFlow, so the lattices, the operators and the command
line use it before TensorFlow is loaded. NumPy's integer, float and bool scalars pass
the checks as Python's do.
"""

import math
import numbers

import numpy as np


def is_integer(value, minimum=None):
    """Whether `value` is an integer (not a bool), and `>= minimum` when one is given.

    Args:
        value: anything.
        minimum: the smallest allowed value, or `None` for any integer.

    Returns:
        A bool.

    Example:

    >>> is_integer(3, minimum=1), is_integer(True), is_integer(2.0), is_integer(0, minimum=1)
    (True, False, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return False
    return minimum is None or value >= minimum


def is_finite_positive(value):
    """Whether `value` is a real number (not a bool) with `0 < value < inf`.

    Example:

    >>> is_finite_positive(0.1), is_finite_positive(0), is_finite_positive(float("nan"))
    (True, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return 0 < value < math.inf


def integer(name, value, minimum=1):
    """Returns `value` as an int, or raises a `ValueError` naming `name`.

    Args:
        name: the argument's name, used in the message.
        value: the user's value; must be an integer (not a bool) `>= minimum`.
        minimum: the smallest allowed value. Defaults to 1.

    Returns:
        The value as a Python int.

    Raises:
        ValueError: "`name` must be an integer >= minimum, got value."

    Example:

    >>> integer("units", 8)
    8
    >>> integer("units", 0)
    Traceback (most recent call last):
    ...
    ValueError: `units` must be an integer >= 1, got 0.
    """
    if not is_integer(value):
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {int(value)}.")
    return int(value)


def sample_count(name, value, minimum=2):
    """Returns a number of samples as an int, or raises a `ValueError` naming `name`.

    The one check of `n_samples` (and of the command's `--samples`) in kerasnqs. An
    estimate needs two samples at least, since one sample has no error bar; a draw of
    samples (`Wavefunction.sample`) needs one.

    Args:
        name: the argument's name (`n_samples`), or a command-line flag (`--samples`).
        value: the user's value; an integer (not a bool) >= `minimum`.
        minimum: 2 (default) for an estimate, 1 for a draw.

    Returns:
        The value as a Python int.

    Raises:
        ValueError: "`n_samples` must be an integer >= 2 (the error of the mean needs at
            least two samples), got 1." for an estimate; "`n_samples` must be a Python
            int >= 1, got 0." for a draw.

    Example:

    >>> sample_count("n_samples", 1)
    Traceback (most recent call last):
    ...
    ValueError: `n_samples` must be an integer >= 2 (the error of the mean needs at least two samples), got 1.
    >>> sample_count("n_samples", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: `n_samples` must be a Python int >= 1, got 0.
    """  # noqa: E501
    if is_integer(value, minimum=minimum):
        return int(value)
    if minimum < 2:
        shown = int(value) if is_integer(value) else repr(value)
        raise ValueError(f"{_named(name)} must be a Python int >= {minimum}, got {shown}.")
    raise ValueError(
        f"{_named(name)} must be an integer >= {minimum} (the error of the mean needs at least "
        f"two samples), got {value!r}."
    )


def seed(name, value):
    """Returns a random seed as an int in `[0, 2**63)`, or raises a `ValueError`.

    Args:
        name: the argument's name (`seed`), or a command-line flag (`--seed`).
        value: the user's value: an integer (not a bool) that fits in a signed 64-bit
            integer and is not negative.

    Example:

    >>> seed("--seed", 2**64)
    Traceback (most recent call last):
    ...
    ValueError: --seed must be an integer < 2**63 (a seed has 64 bits), got 18446744073709551616.
    """
    if not is_integer(value, minimum=0):
        raise ValueError(f"{_named(name)} must be an integer >= 0, got {value!r}.")
    if value >= 2**63:
        raise ValueError(
            f"{_named(name)} must be an integer < 2**63 (a seed has 64 bits), got {value!r}."
        )
    return int(value)


def _named(name):
    """An argument's name in a message: `name` in backquotes, a `--flag` as it is."""
    return name if name.startswith("--") else f"`{name}`"


def finite_real(name, value):
    """Returns `value` as a float, or raises a `ValueError` naming `name`.

    Args:
        name: the argument's name, used in the message.
        value: a real number (not a bool); NaN and infinities are refused.

    Returns:
        The value as a Python float.

    Example:

    >>> finite_real("h", 1)
    1.0
    >>> finite_real("h", float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: `h` must be a finite real number, got inf.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"`{name}` must be a finite real number, got {value!r}.")
    return float(value)


def flag(name, value):
    """Returns `value` as a bool if it is one (Python's or NumPy's), or raises a `ValueError`.

    Example:

    >>> flag("phase", "yes")
    Traceback (most recent call last):
    ...
    ValueError: `phase` must be True or False, got 'yes'.
    """
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"`{name}` must be True or False, got {value!r}.")
    return bool(value)


def choice(name, value, choices):
    """Returns `value` if it is one of `choices`, or raises a `ValueError` naming `name`.

    Args:
        name: the argument's name, used in the message.
        value: the user's value.
        choices: a tuple of the allowed values.

    Example:

    >>> choice("solver", "cg", ("auto", "sample"))
    Traceback (most recent call last):
    ...
    ValueError: `solver` must be one of ('auto', 'sample'), got 'cg'.
    """
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {tuple(choices)}, got {value!r}.")
    return value
