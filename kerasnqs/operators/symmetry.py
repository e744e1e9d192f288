"""Operators transformed by lattice symmetries and the global spin flip, and invariance checks."""

import numpy as np

from kerasnqs.lattice import permutations
from kerasnqs.operators import pauli_strings
from kerasnqs.operators.pauli_sum import PauliSum

# Conjugation by the spin flip F = prod_i X_i: F X F = X, F Y F = -Y, F Z F = -Z.
_FLIP_SIGN = {"X": 1, "Y": -1, "Z": -1}


def transform(operator, permutation=None, spin_flip=False):
    """Returns `U_g H U_g^dagger` for a site permutation `g`, optionally with the spin flip.

    Mathematical details:

    `U_g |sigma> = |g sigma>` with `(g sigma)[g(i)] = sigma[i]` (the convention of
    `kerasnqs.lattice.permutations`), so `U_g P_i U_g^dagger = P_{g(i)}` for every
    Pauli matrix `P`: each factor of a Pauli string moves to the image of its site.
    The spin flip `F = prod_i X_i` then changes the sign of every `Y` and `Z` factor.

    Args:
        operator: a `kerasnqs.operators.PauliSum` (or subclass).
        permutation: a site permutation (entry `i` is `g(i)`), or `None` for the
            identity.
        spin_flip: also conjugate by the global spin flip. Defaults to `False`.

    Returns:
        A plain `PauliSum`.

    Example:

    >>> from kerasnqs.operators import PauliSum
    >>> print(transform(PauliSum.parse(3, "X0 Z1 + Y2"), [1, 2, 0], spin_flip=True))
    -1.0 * X1 Z2 - 1.0 * Y0
    """
    n_sites = operator.n_sites
    g = (
        permutations.identity(n_sites)
        if permutation is None
        else permutations.validate_permutation("permutation", permutation, n_sites)
    )
    terms = []
    for coefficient, label in operator.terms:
        _, key = pauli_strings.parse_label(label, n_sites)
        sign = np.prod([_FLIP_SIGN[letter] for _, letter in key]) if spin_flip else 1
        image = " ".join(f"{letter}{g[site]}" for site, letter in key)
        terms.append((int(sign) * coefficient, image))
    return PauliSum(n_sites, terms)


def is_symmetry(operator, permutation=None, spin_flip=False, tolerance=1e-12):
    """True when `operator` commutes with the symmetry (`U_g H U_g^dagger = H`).

    The check compares Pauli strings and coefficients, so it is exact and costs nothing
    even on large lattices (no matrices are built).

    Args:
        operator: a `kerasnqs.operators.PauliSum` (or subclass).
        permutation: a site permutation (entry `i` is `g(i)`), or `None`.
        spin_flip: include the global spin flip. Defaults to `False`.
        tolerance: the largest coefficient difference accepted, relative to the
            largest coefficient.

    Returns:
        A bool.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.operators import TFIM
    >>> ring = Chain(4, pbc=True)
    >>> is_symmetry(TFIM(ring, h=1.0), [1, 2, 3, 0], spin_flip=True)
    True
    >>> is_symmetry(TFIM(Chain(4), h=1.0), [1, 2, 3, 0])
    False
    """
    original = {label: complex(c) for c, label in operator.terms}
    image = {label: complex(c) for c, label in transform(operator, permutation, spin_flip).terms}
    scale = max((abs(c) for c in original.values()), default=0.0)
    labels = set(original) | set(image)
    return all(
        abs(original.get(label, 0) - image.get(label, 0)) <= tolerance * max(scale, 1e-300)
        for label in labels
    )
