"""The terms of a Pauli sum grouped by the spins they flip, as numpy arrays.

Mathematical details:

Write each Pauli factor as `Y = i X Z`, so a Pauli string with flip mask `x` (sites
holding X or Y), sign mask `z` (sites holding Y or Z) and `n_y` factors Y is
`i^{n_y} X^x Z^z`. In the basis where `Z|s_i> = (-1)^{s_i} |s_i>`,

    <s| c P |s'> = a * (-1)^{z . s}  if s' = s XOR x,  else 0,

with the amplitude `a = c * (-i)^{n_y}`. The matrix elements of a Pauli sum between
`s` and `s XOR x` are therefore `sum_t a_t (-1)^{z_t . s}` over the terms `t` with flip
mask `x`: one sum of signed amplitudes per distinct flip mask, the diagonal being the
flip mask zero. Distinct sign masks give linearly independent functions of `s`, so a
flip mask whose terms survive simplification always has a nonzero matrix element
somewhere.
"""

import numpy as np


class FlipTable:
    """Pauli terms grouped by flip mask, ready for batched evaluation.

    Attributes:
        n_sites: the number of sites.
        flip_masks: int8 array `(K, n_sites)`, the distinct non-empty flip masks.
        sign_masks: int8 array `(U, n_sites)`, the distinct sign masks `z` of all terms.
        amplitudes: complex128 array `(U, K + 1)`; column 0 holds the diagonal
            amplitudes, column `k + 1` those of flip mask `k`.

    Args:
        n_sites: the number of sites.
        terms: a dict `{key: coefficient}` of Pauli strings (see `term_algebra`).
    """

    def __init__(self, n_sites, terms):
        self.n_sites = n_sites
        flips, signs, entries = {}, {}, []
        for key, coefficient in terms.items():
            flip, sign, n_y = _masks(key, n_sites)
            column = 0 if not any(flip) else flips.setdefault(flip, len(flips) + 1)
            row = signs.setdefault(sign, len(signs))
            entries.append((row, column, coefficient * (-1j) ** n_y))
        self.flip_masks = _as_array(flips, n_sites)
        self.sign_masks = _as_array(signs, n_sites)
        self.amplitudes = np.zeros((len(signs), len(flips) + 1), dtype=np.complex128)
        for row, column, amplitude in entries:
            self.amplitudes[row, column] += amplitude

    @property
    def max_conn(self):
        """The number of distinct non-empty flip masks, `K`."""
        return len(self.flip_masks)

    def rows_used_by(self, columns):
        """Returns the sign masks and amplitudes restricted to the given columns.

        Sign masks whose amplitudes are all zero in these columns are dropped, so the
        diagonal alone needs no sign mask of a purely off-diagonal term.

        Args:
            columns: a slice or index array of amplitude columns.

        Returns:
            A pair `(sign_masks, amplitudes)`.
        """
        amplitudes = self.amplitudes[:, columns]
        used = np.any(amplitudes != 0, axis=1)
        return self.sign_masks[used], amplitudes[used]


def _masks(key, n_sites):
    flip = np.zeros(n_sites, dtype=np.int8)
    sign = np.zeros(n_sites, dtype=np.int8)
    n_y = 0
    for site, letter in key:
        flip[site] = letter in "XY"
        sign[site] = letter in "YZ"
        n_y += letter == "Y"
    return flip.tobytes(), sign.tobytes(), n_y


def _as_array(masks, n_sites):
    rows = [np.frombuffer(mask, dtype=np.int8) for mask in masks]
    return np.array(rows, dtype=np.int8).reshape(len(rows), n_sites)


def conserves_magnetization(table, tolerance=1e-12):
    """Returns True when the operator commutes with the total `S^z`.

    Mathematical details:

    With `M(s) = sum_i (-1)^{s_i}`, the commutator `[M, H]` has the elements
    `(M(s) - M(s XOR x)) H(s, s XOR x) = 2 sum_{i in x} (-1)^{s_i} sum_t a_t (-1)^{z_t . s}`
    for every flip mask `x`. Expanded in the independent functions `(-1)^{w . s}`, it
    vanishes when every coefficient `sum a_t` over `z_t XOR e_i = w` does.

    Args:
        table: a `FlipTable`.
        tolerance: coefficients below `tolerance` times the largest amplitude count as 0.

    Returns:
        A bool.
    """
    scale = np.max(np.abs(table.amplitudes), initial=0.0)
    for column, flip_mask in enumerate(table.flip_masks, start=1):
        commutator = {}
        for sign_mask, amplitude in zip(table.sign_masks, table.amplitudes[:, column], strict=True):
            if amplitude == 0:
                continue
            for site in np.flatnonzero(flip_mask):
                shifted = sign_mask.copy()
                shifted[site] ^= 1
                key = shifted.tobytes()
                commutator[key] = commutator.get(key, 0j) + amplitude
        if any(abs(value) > tolerance * scale for value in commutator.values()):
            return False
    return True


def off_diagonal_nonpositive(table, tolerance=1e-12):
    """Returns True when every off-diagonal matrix element is real and <= 0 (stoquastic).

    Mathematical details:

    The elements between `s` and `s XOR x` are `f(s) = sum_u a_u (-1)^{z_u . s}` over the
    sign masks `z_u` with a nonzero amplitude in the column of `x`. `f` depends on `s`
    only through the parities `p_u = z_u . s (mod 2)`, and the parity vectors that occur
    are exactly the span over GF(2) of the columns of the matrix with rows `z_u`. The
    check evaluates `f` on that span (`2^rank` values, rank <= the number of terms of
    the column), so it is exact for any number of sites, up to `tolerance` times
    `sum_u |a_u|` for rounding.

    Args:
        table: a `FlipTable`.
        tolerance: elements within `tolerance * sum_u |a_u|` of the real half-line
            `(-inf, 0]` count as on it.

    Returns:
        A bool.
    """
    for column in range(1, table.max_conn + 1):
        amplitudes = table.amplitudes[:, column]
        used = np.flatnonzero(amplitudes != 0)
        scale = tolerance * np.sum(np.abs(amplitudes[used]))
        for parities in _parity_span(table.sign_masks[used]):
            signs = 1 - 2 * parities
            element = np.sum(amplitudes[used] * signs)
            if element.real > scale or abs(element.imag) > scale:
                return False
    return True


def _parity_span(sign_masks):
    """Yields every vector `(z_u . s mod 2)_u` that some configuration `s` produces.

    The vectors form the column space over GF(2) of the `(U, n_sites)` matrix
    `sign_masks`; it is built from a basis found by Gaussian elimination.
    """
    n_rows = len(sign_masks)
    basis = []  # pivot-reduced columns, as ints with bit u = row u
    for column in sign_masks.T:
        vector = sum(1 << u for u in range(n_rows) if column[u])
        for pivot in basis:
            vector = min(vector, vector ^ pivot)
        if vector:
            basis.append(vector)
    span = [0]
    for vector in basis:
        span += [existing ^ vector for existing in span]
    for vector in span:
        yield np.array([(vector >> u) & 1 for u in range(n_rows)], dtype=np.int64)
