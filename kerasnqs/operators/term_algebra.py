"""Linear combinations of Pauli strings as dicts `{key: coefficient}`.

Keys are the Pauli string keys of `kerasnqs.operators.pauli_strings`; coefficients are
Python complex numbers. Every function returns a new dict without zero coefficients,
keeping the order in which keys first appear.
"""

from kerasnqs.operators import pauli_strings


def identity(coefficient=1.0):
    """Returns `coefficient` times the identity string."""
    return drop_zeros({(): complex(coefficient)})


def add(terms_a, terms_b):
    """Returns `terms_a + terms_b`."""
    result = dict(terms_a)
    for key, coefficient in terms_b.items():
        result[key] = result.get(key, 0j) + coefficient
    return drop_zeros(result)


def scale(terms, factor):
    """Returns `factor * terms`."""
    return drop_zeros({key: factor * coefficient for key, coefficient in terms.items()})


def product(terms_a, terms_b):
    """Returns the operator product `terms_a @ terms_b`, with the Pauli phases."""
    result = {}
    for key_a, coefficient_a in terms_a.items():
        for key_b, coefficient_b in terms_b.items():
            phase, key = pauli_strings.multiply(key_a, key_b)
            result[key] = result.get(key, 0j) + phase * coefficient_a * coefficient_b
    return drop_zeros(result)


def drop_zeros(terms):
    """Returns the terms whose coefficient is not exactly zero."""
    return {key: complex(c) for key, c in terms.items() if c != 0}
