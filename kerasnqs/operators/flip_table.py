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
