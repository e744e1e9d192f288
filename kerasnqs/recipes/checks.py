"""The checks of the settings that a recipe and several sub-commands share: one per name.

A `kerasnqs.Recipe` and `kerasnqs evaluate` both take samples, a seed and a chunk size;
each is checked here, the same way whether its value comes from Python, the command
line or a config file. Each check returns the value as a Python int or raises one
`ValueError` naming the setting by its flag.
"""

from kerasnqs import validation

MAX_COUNT = 10**9
"""The largest count a flag takes (steps, samples, units, ...): a billion steps or
samples would run for weeks, and larger integers overflow TensorFlow's counters."""


def positive_integer(flag, value):
    """Returns `value` as an int in `[1, MAX_COUNT]`, or raises a `ValueError` naming `flag`.

    Example:

    >>> positive_integer("--steps", 10**20)
    Traceback (most recent call last):
    ...
    ValueError: --steps must be a positive integer <= 1,000,000,000, got 100000000000000000000
    """
    if not validation.is_integer(value, minimum=1):
        raise ValueError(f"{flag} must be a positive integer, got {value!r}")
    return _at_most_max_count(flag, value, f"a positive integer <= {MAX_COUNT:,}")


def samples(value, flag="--samples"):
    """Returns a number of samples (>= 2, <= `MAX_COUNT`), or raises a `ValueError`."""
    validation.sample_count(flag, value)
    return _at_most_max_count(flag, value, f"an integer from 2 to {MAX_COUNT:,}")


def seed(value):
    """Returns `--seed` as an int in `[0, 2**63)`, or raises a `ValueError` naming it."""
    return validation.seed("--seed", value)


def chunk_size(value):
    """Returns `--chunk-size`: `None` (from the memory budget) or a positive integer."""
    return None if value is None else positive_integer("--chunk-size", value)


def _at_most_max_count(flag, value, what):
    if value > MAX_COUNT:
        raise ValueError(f"{flag} must be {what}, got {value!r}")
    return int(value)
