"""Pauli strings: their text labels and their products.

A Pauli string on `n_sites` spins is stored as a *key*: a tuple of `(site, letter)` pairs
sorted by site, with `letter` in `"XYZ"` and identity factors left out. The identity
string is the empty tuple. Its text *label* lists the factors separated by spaces,
for example `"X0 Z3"`; the identity's label is `"I"`.
"""

import math
import numbers
import re

LETTERS = "XYZ"

# Product of two single-site Pauli matrices: (a, b) -> (phase, letter or None for identity).
_SINGLE_SITE_PRODUCTS = {
    ("X", "X"): (1, None),
    ("Y", "Y"): (1, None),
    ("Z", "Z"): (1, None),
    ("X", "Y"): (1j, "Z"),
    ("Y", "Z"): (1j, "X"),
    ("Z", "X"): (1j, "Y"),
    ("Y", "X"): (-1j, "Z"),
    ("Z", "Y"): (-1j, "X"),
    ("X", "Z"): (-1j, "Y"),
}

_FACTOR = re.compile(r"([A-Za-z]+)(\d+)")


def multiply(key_a, key_b):
    """Returns `(phase, key)` with `P_a P_b = phase * P_key`, for Pauli string keys.

    Args:
        key_a: the left factor, a Pauli string key.
        key_b: the right factor, a Pauli string key.

    Returns:
        A pair `(phase, key)`; `phase` is one of `1, -1, 1j, -1j`.

    Example:

    >>> multiply(((0, "X"),), ((0, "Y"), (2, "Z")))
    (1j, ((0, 'Z'), (2, 'Z')))
    """
    factors = dict(key_a)
    phase = 1
    for site, letter in key_b:
        if site not in factors:
            factors[site] = letter
            continue
        factor_phase, product = _SINGLE_SITE_PRODUCTS[(factors[site], letter)]
        phase *= factor_phase
        if product is None:
            del factors[site]
        else:
            factors[site] = product
    return phase, tuple(sorted(factors.items()))


def parse_label(label, n_sites, argument="terms"):
    """Returns `(phase, key)` for a label such as `"X0 Z3"`.

    Factors are a letter (`X`, `Y`, `Z` or `I`) followed by a site index, separated by
    spaces. Factors on the same site multiply from left to right, which may produce a
    phase (`"X0 Y0"` is `1j * Z0`). `""` and `"I"` are the identity.

    Args:
        label: the text label.
        n_sites: the number of sites; every site index must be below it.
        argument: the user-facing argument name used in error messages.

    Returns:
        A pair `(phase, key)`.

    Example:

    >>> parse_label("Z3 X0", n_sites=4)
    (1, ((0, 'X'), (3, 'Z')))
    """
    if not isinstance(label, str):
        raise ValueError(
            f"`{argument}`: a Pauli string must be a str such as 'X0 Z3', got {label!r}."
        )
    phase, key = 1, ()
    for token in label.split():
        if token == "I":
            continue
        match = _FACTOR.fullmatch(token)
        if match is None:
            raise ValueError(
                f"`{argument}`: cannot read {token!r} in the Pauli string {label!r}; "
                "expected factors such as 'X0', 'Y12' or 'Z3' separated by spaces."
            )
        letter, site = match.group(1), int(match.group(2))
        check_site(site, letter, n_sites, argument)
        if letter == "I":
            continue
        factor_phase, key = multiply(key, ((site, letter),))
        phase *= factor_phase
    return phase, key


def check_site(site, letter, n_sites, argument):
    """Raises a `ValueError` naming `argument` for an unknown letter or a site out of range."""
    if letter not in LETTERS + "I":
        raise ValueError(
            f"`{argument}`: unknown Pauli letter {letter!r} in '{letter}{site}'; "
            "expected one of X, Y, Z or I."
        )
    if not 0 <= site < n_sites:
        raise ValueError(
            f"`{argument}`: site {site} in '{letter}{site}' is out of range for "
            f"n_sites={n_sites}; expected 0 <= site < {n_sites}."
        )


def format_label(key):
    """Returns the text label of a Pauli string key, `"I"` for the identity.

    Example:

    >>> format_label(((0, "X"), (3, "Z")))
    'X0 Z3'
    """
    if not key:
        return "I"
    return " ".join(f"{letter}{site}" for site, letter in key)


def check_coefficient(value, argument="terms"):
    """Returns a finite number as a Python `complex`, or raises a `ValueError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise ValueError(f"`{argument}`: a coefficient must be a number, got {value!r}.")
    value = complex(value)
    if not (abs(value.real) < float("inf") and abs(value.imag) < float("inf")):
        raise ValueError(f"`{argument}`: a coefficient must be finite, got {value!r}.")
    return value


MAX_ABSOLUTE_SUM = 1e300
"""The largest sum of the coefficients' absolute values an operator may have: it bounds
every matrix element and every local value, with room below float64's largest number
(about 1.8e308) for the sums and products of an estimate."""


def check_coefficient_sum(coefficients, argument="terms"):
    """Raises a `ValueError` unless the coefficients are finite and their absolute sum is
    at most `MAX_ABSOLUTE_SUM`.

    Args:
        coefficients: an iterable of Python complex numbers.
        argument: how the message names what holds them.

    Example:

    >>> check_coefficient_sum([1.0, -2.0])
    >>> check_coefficient_sum([1e308, 1e308], "h")
    Traceback (most recent call last):
    ...
    ValueError: `h`: the absolute values of the coefficients sum to inf, above the limit of 1e+300.
    """
    total = 0.0
    for value in coefficients:
        value = complex(value)
        if not (math.isfinite(value.real) and math.isfinite(value.imag)):
            raise ValueError(f"`{argument}`: a coefficient must be finite, got {value!r}.")
        total += abs(value)
    if not total <= MAX_ABSOLUTE_SUM:
        raise ValueError(
            f"`{argument}`: the absolute values of the coefficients sum to {total:.3g}, above "
            f"the limit of {MAX_ABSOLUTE_SUM:g}."
        )


def plain_number(value):
    """Returns a complex number as a float when its imaginary part is zero."""
    return value.real if value.imag == 0 else value
