"""`PauliSum`: a general operator written as a sum of Pauli strings."""

import functools
import numbers

import numpy as np

from kerasnqs import hilbert as hilbert_lib
from kerasnqs import validation
from kerasnqs.operators import expression, flip_table, pauli_strings, sparse, term_algebra


class PauliSum:
    """An operator `H = sum_j c_j P_j`, each `P_j` a product of Pauli matrices.

    Build one from `(coefficient, string)` pairs, from text with `PauliSum.parse`, or with
    arithmetic: `+`, `-`, multiplication by a number and the operator product `*`
    (`X0 * Y0 == 1j * Z0`). Equal strings are merged and zero coefficients dropped.
    Complex coefficients are allowed; the operator is Hermitian when they are all real.

    Configurations are integer tensors `(batch, n_sites)` of 0 (spin up, `Z = +1`) and 1
    (spin down, `Z = -1`), with `X|0> = |1>`, `Y|0> = i|1>`, `Y|1> = -i|0>`. The
    methods `diagonal`, `off_diagonal` and `connected` are pure TensorFlow with static
    shapes: they run eagerly, inside `tf.function` and under XLA. Matrices follow the
    basis of `kerasnqs.hilbert.basis` (site 0 is the most significant bit).

    Mathematical details:

    The terms are grouped by the set of spins they flip (the sites holding X or Y). For
    each configuration `s` there are `max_conn` = K connected configurations
    `s' = s XOR x_k`, one per distinct non-empty flip mask `x_k`, with the elements
    `<s|H|s'> = sum_t a_t (-1)^{z_t . s}` (see `kerasnqs.operators.flip_table`). An element
    may be zero for some `s` (padding), for example the flip of two aligned spins by
    `X X + Y Y`.

    Args:
        n_sites: the number of spins, an integer >= 1.
        terms: a list of `(coefficient, string)` pairs. A string lists factors
            `X<site>`, `Y<site>`, `Z<site>` separated by spaces, such as `"X0 Z3"`;
            `""` or `"I"` is the identity. Coefficients are finite real or complex
            numbers whose absolute values sum to at most 1e300
            (`kerasnqs.operators.pauli_strings.MAX_ABSOLUTE_SUM`).

    Example:

    >>> from kerasnqs.operators import PauliSum
    >>> H = PauliSum(4, [(2.0, "X0 Z3"), (-0.5, "Y1 Y2")])
    >>> H
    PauliSum(n_sites=4, terms=[(2.0, 'X0 Z3'), (-0.5, 'Y1 Y2')])
    >>> H.max_conn, H.is_real
    (2, True)
    >>> H.diagonal([[0, 0, 0, 0]]).numpy().tolist()
    [0.0]
    >>> connected, mels = H.off_diagonal([[0, 0, 0, 1]])
    >>> connected.numpy().tolist(), mels.numpy().tolist()
    ([[[1, 0, 0, 1], [0, 1, 1, 1]]], [[-2.0, 0.5]])
    >>> print(PauliSum(1, [(1.0, "X0")]) * PauliSum(1, [(1.0, "Y0")]))
    1j * Z0
    """

    def __init__(self, n_sites, terms):
        n_sites = validation.integer("n_sites", n_sites)
        self._set_terms(n_sites, _terms_from_pairs(terms, n_sites))

    @classmethod
    def parse(cls, n_sites, text):
        """Reads an operator written as text.

        Terms are joined by `+` and `-`; factors by `*` or by juxtaposition; a factor is
        a number (`2`, `-0.5`, `1e-3`, `2j`), a Pauli factor (`X0`, `Y12`, `Z3`, `I`) or a
        parenthesized expression. Products of factors on the same site carry their
        phases (`X0 Y0` is `1j * Z0`). `str(operator)` gives text that `parse` reads back.

        Args:
            n_sites: the number of spins, an integer >= 1.
            text: the expression, for example `"2.0 * X0 Z3 - 0.5 * Y1 Y2 + 1"`.

        Returns:
            A `PauliSum`.

        Example:

        >>> from kerasnqs.operators import PauliSum
        >>> PauliSum.parse(4, "2.0 * X0 Z3 - 0.5 * Y1 Y2 + (1 + 1j) * X1 Y1")
        PauliSum(n_sites=4, terms=[(2.0, 'X0 Z3'), (-0.5, 'Y1 Y2'), ((-1+1j), 'Z1')])
        """
        n_sites = validation.integer("n_sites", n_sites)
        return _from_dict(n_sites, expression.parse_expression(text, n_sites), "text")

    def _set_terms(self, n_sites, terms, argument="terms"):
        pauli_strings.check_coefficient_sum(terms.values(), argument)
        self._n_sites = n_sites
        self._terms = terms

    @property
    def n_sites(self):
        """The number of spins."""
        return self._n_sites

    @property
    def terms(self):
        """The `(coefficient, string)` pairs, coefficients as float when real."""
        return [
            (pauli_strings.plain_number(c), pauli_strings.format_label(key))
            for key, c in self._terms.items()
        ]

    @functools.cached_property
    def _table(self):
        return flip_table.FlipTable(self.n_sites, self._terms)

    @functools.cached_property
    def _diagonal_part(self):
        """`(sign_masks, amplitudes)` of the diagonal."""
        return self._table.rows_used_by(slice(0, 1))

    @functools.cached_property
    def _off_diagonal_part(self):
        """`(sign_masks, amplitudes)` of the off-diagonal elements."""
        return self._table.rows_used_by(slice(1, None))

    @functools.cached_property
    def _connected_flip_masks(self):
        """The flip masks with the empty mask (the diagonal) first."""
        empty = np.zeros((1, self.n_sites), np.int8)
        return np.concatenate([empty, self._table.flip_masks])

    @property
    def max_conn(self):
        """K, the number of off-diagonal connected configurations per configuration."""
        return self._table.max_conn

    @property
    def flip_masks(self):
        """The int8 array `(K, n_sites)` of the sites each connected configuration flips.

        `off_diagonal(configs)[0][b, k]` is `configs[b] XOR flip_masks[k]`; the masks are
        fixed, so a wavefunction can plan the evaluation of connected configurations
        before it sees any (see `kerasnqs.models.Wavefunction.log_psi_of_flips`).
        """
        return self._table.flip_masks

    @functools.cached_property
    def is_real(self):
        """True when every matrix element is real (the matrix elements are then float)."""
        return bool(np.all(self._table.amplitudes.imag == 0))

    @property
    def is_hermitian(self):
        """True when every coefficient is real."""
        return all(c.imag == 0 for c in self._terms.values())

    @functools.cached_property
    def is_stoquastic(self):
        """True when every off-diagonal matrix element is real and <= 0.

        Then the ground state can be chosen with `psi(s) >= 0` for every `s`, so a
        positive (phase-free) wavefunction can represent it. Otherwise it generally has
        amplitudes of both signs: use a wavefunction with a phase, or a basis rotation
        that removes the signs (the Marshall sign of `Heisenberg` and `J1J2`). Decided
        exactly from the terms, for any number of sites (see
        `kerasnqs.operators.flip_table.off_diagonal_nonpositive`).

        Example:

        >>> from kerasnqs.lattice import Chain
        >>> from kerasnqs.operators import TFIM, Heisenberg
        >>> TFIM(Chain(4), h=1.0).is_stoquastic, TFIM(Chain(4), h=-1.0).is_stoquastic
        (True, False)
        >>> Heisenberg(Chain(4)).is_stoquastic
        False
        >>> Heisenberg(Chain(4), marshall_sign=True).is_stoquastic
        True
        """
        return flip_table.off_diagonal_nonpositive(self._table)

    @functools.cached_property
    def conserves_magnetization(self):
        """True when the operator commutes with the total `S^z`."""
        return flip_table.conserves_magnetization(self._table)

    def diagonal(self, configs, dtype="float32"):
        """Returns the diagonal elements `<s|H|s>`.

        Args:
            configs: integer tensor `(batch, n_sites)` of 0s and 1s.
            dtype: the real dtype to compute in, `"float32"` or `"float64"`.

        Returns:
            A tensor `(batch,)` of `dtype`, complex (`complex64` / `complex128`) unless
            `is_real`.

        Example:

        >>> from kerasnqs.operators import PauliSum
        >>> H = PauliSum.parse(3, "Z0 Z1 + 0.5 * Z2 + X1")
        >>> H.diagonal([[0, 0, 0], [0, 1, 1]], dtype="float64").numpy().tolist()
        [1.5, -1.5]
        """
        # TensorFlow loads on first use, so exact diagonalization and the CLI start fast.
        from kerasnqs.operators import matrix_elements

        dtype = matrix_elements.check_dtype(dtype)
        configs = matrix_elements.check_configs(configs, self.n_sites)
        masks, amplitudes = self._diagonal_part
        mels = matrix_elements.matrix_elements(configs, masks, amplitudes, dtype, self.is_real)
        return mels[:, 0]

    def off_diagonal(self, configs, dtype="float32"):
        """Returns the off-diagonal connected configurations and matrix elements.

        Args:
            configs: integer tensor `(batch, n_sites)` of 0s and 1s.
            dtype: the real dtype to compute in, `"float32"` or `"float64"`.

        Returns:
            A pair `(connected, mels)`: `connected` of shape `(batch, K, n_sites)` and the
            dtype of `configs`, and `mels` of shape `(batch, K)` with
            `mels[b, k] = <configs[b]| H |connected[b, k]>` (zero for padding).

        Example:

        >>> from kerasnqs.operators import PauliSum
        >>> H = PauliSum.parse(2, "X0 X1 + Y0 Y1 + Y1")
        >>> connected, mels = H.off_diagonal([[0, 1]])
        >>> connected.numpy().tolist()
        [[[1, 0], [0, 0]]]
        >>> mels.numpy().tolist()
        [[(2+0j), 1j]]
        """
        from kerasnqs.operators import matrix_elements

        dtype = matrix_elements.check_dtype(dtype)
        configs = matrix_elements.check_configs(configs, self.n_sites)
        masks, amplitudes = self._off_diagonal_part
        mels = matrix_elements.matrix_elements(configs, masks, amplitudes, dtype, self.is_real)
        return matrix_elements.flipped(configs, self._table.flip_masks), mels

    def connected(self, configs, dtype="float32"):
        """Returns all connected configurations and matrix elements, the diagonal first.

        Args:
            configs: integer tensor `(batch, n_sites)` of 0s and 1s.
            dtype: the real dtype to compute in, `"float32"` or `"float64"`.

        Returns:
            A pair `(connected, mels)` of shapes `(batch, K + 1, n_sites)` and
            `(batch, K + 1)`; `connected[:, 0]` is `configs` and `mels[:, 0]` the diagonal.

        Example:

        >>> from kerasnqs.lattice import Chain
        >>> from kerasnqs.operators import TFIM
        >>> connected, mels = TFIM(Chain(2), h=0.5).connected([[0, 0]])
        >>> connected.numpy().tolist()
        [[[0, 0], [1, 0], [0, 1]]]
        >>> mels.numpy().tolist()
        [[-1.0, -0.5, -0.5]]
        """
        from kerasnqs.operators import matrix_elements

        dtype = matrix_elements.check_dtype(dtype)
        configs = matrix_elements.check_configs(configs, self.n_sites)
        masks, amplitudes = self._table.sign_masks, self._table.amplitudes
        mels = matrix_elements.matrix_elements(configs, masks, amplitudes, dtype, self.is_real)
        return matrix_elements.flipped(configs, self._connected_flip_masks), mels

    def to_sparse(self, hilbert=None):
        """Returns the matrix on a Hilbert space: the whole one, or one `S^z` sector.

        The matrix of the whole space is limited to `kerasnqs.operators.sparse.
        MAX_DIMENSION` (2^22) basis states; a sector may belong to a larger space. Rows and
        columns follow `hilbert.indices()`.

        Args:
            hilbert: `None` for the whole space of `n_sites` spins, or a
                `kerasnqs.hilbert.SpinHalf` of `n_sites` sites (for example a model's
                `hilbert`); in a sector, the operator must conserve the total `S^z`.

        Returns:
            A `scipy.sparse.csr_matrix`, float64 when `is_real`, else complex128.

        Example:

        >>> from kerasnqs.hilbert import SpinHalf
        >>> from kerasnqs.operators import PauliSum
        >>> PauliSum.parse(2, "X0 X1 + Y0 Y1").to_sparse(SpinHalf(2, magnetization=0)).toarray()
        array([[0., 2.],
               [2., 0.]])
        """
        hilbert = hilbert_lib.resolve(hilbert, self.n_sites)
        # The size first: max_conn's table takes time on large spaces.
        sparse.check_size(hilbert.size)
        hilbert.check_operator(self)
        sparse.check_size(hilbert.size, self.max_conn)
        states = hilbert.indices() if hilbert.is_sector else None
        return sparse.to_csr(self._table, states, self.is_real)

    def get_config(self):
        """Returns a JSON-serializable dict; `kerasnqs.operators.from_config` rebuilds it."""
        terms = [[_coefficient_to_json(c), label] for c, label in self.terms]
        return {"name": "pauli_sum", "n_sites": self.n_sites, "terms": terms}

    @classmethod
    def from_config(cls, config):
        """Rebuilds an operator of this class from `get_config()`."""
        config = dict(config)
        config.pop("name", None)
        if "terms" in config:
            config["terms"] = [(_coefficient_from_json(c), label) for c, label in config["terms"]]
        return cls(**config)

    def _coerce(self, other):
        """Returns the terms dict of a `PauliSum` or a number, `None` for anything else."""
        if isinstance(other, PauliSum):
            if other.n_sites != self.n_sites:
                raise ValueError(
                    f"Cannot combine operators on {self.n_sites} and {other.n_sites} sites."
                )
            return other._terms
        if isinstance(other, numbers.Number) and not isinstance(other, bool):
            return term_algebra.identity(pauli_strings.check_coefficient(other, "other"))
        return None

    def __add__(self, other):
        terms = self._coerce(other)
        if terms is None:
            return NotImplemented
        return _from_dict(self.n_sites, term_algebra.add(self._terms, terms))

    __radd__ = __add__

    def __neg__(self):
        return _from_dict(self.n_sites, term_algebra.scale(self._terms, -1))

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        terms = self._coerce(other)
        if terms is None:
            return NotImplemented
        return _from_dict(self.n_sites, term_algebra.product(self._terms, terms))

    def __rmul__(self, other):
        terms = self._coerce(other)
        if terms is None:
            return NotImplemented
        return _from_dict(self.n_sites, term_algebra.product(terms, self._terms))

    def __truediv__(self, other):
        if not isinstance(other, numbers.Number) or isinstance(other, bool):
            return NotImplemented
        return self * (1 / pauli_strings.check_coefficient(other, "other"))

    def __eq__(self, other):
        return (
            type(self) is type(other)
            and self.n_sites == other.n_sites
            and self._terms == other._terms
        )

    def __hash__(self):
        return hash((type(self).__name__, self.n_sites, frozenset(self._terms.items())))

    def describe(self):
        """Returns a short human description: the number of sites and of terms.

        A `SpinModel` says which model, lattice and couplings instead.

        Returns:
            A str.

        Example:

        >>> PauliSum.parse(4, "2 X0 Z3 - 0.5 Y1 Y2").describe()
        'Pauli sum on 4 sites, 2 terms'
        """
        terms = len(self.terms)
        return f"Pauli sum on {self.n_sites} sites, {terms} term{'s' if terms != 1 else ''}"

    def __repr__(self):
        terms = self.terms
        shown = repr(terms) if len(terms) <= 6 else f"[{terms[0]!r}, ... {len(terms)} terms]"
        return f"PauliSum(n_sites={self.n_sites}, terms={shown})"

    def __str__(self):
        if not self._terms:
            return "0"
        text = ""
        for c, label in self.terms:
            negative = not isinstance(c, complex) and c < 0
            sign = "-" if negative else "+"
            text += f" {sign} {_format_coefficient(-c if negative else c)} * {label}"
        return text[3:] if text.startswith(" + ") else "-" + text[3:]


def _from_dict(n_sites, terms, argument="operator"):
    """Returns a plain `PauliSum` holding a terms dict; `argument` names it in errors."""
    operator = PauliSum.__new__(PauliSum)
    operator._set_terms(n_sites, terms, argument)
    return operator


def _terms_from_pairs(terms, n_sites):
    """Checks `(coefficient, string)` pairs; returns a terms dict."""
    if isinstance(terms, (str, bytes)) or not hasattr(terms, "__iter__"):
        raise ValueError(f"`terms` must be a list of (coefficient, 'X0 Z3') pairs, got {terms!r}.")
    result = {}
    for index, term in enumerate(terms):
        if not isinstance(term, (tuple, list)) or len(term) != 2:
            raise ValueError(
                f"`terms[{index}]` must be a (coefficient, 'X0 Z3') pair, got {term!r}."
            )
        argument = f"terms[{index}]"
        coefficient = pauli_strings.check_coefficient(term[0], argument)
        phase, key = pauli_strings.parse_label(term[1], n_sites, argument)
        result[key] = result.get(key, 0j) + phase * coefficient
    return term_algebra.drop_zeros(result)


def _format_coefficient(c):
    return repr(c) if isinstance(c, complex) else repr(float(c))


def _coefficient_to_json(c):
    return [c.real, c.imag] if isinstance(c, complex) else c


def _coefficient_from_json(c):
    return complex(c[0], c[1]) if isinstance(c, (list, tuple)) else c
