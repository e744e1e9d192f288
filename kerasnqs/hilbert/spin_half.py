"""The Hilbert space of spins 1/2, whole or in one sector of total `S^z`."""

import numbers

import numpy as np

from kerasnqs import validation
from kerasnqs.hilbert import basis


class SpinHalf:
    """The space of `n_sites` spins 1/2, or its sector of total `S^z = magnetization`.

    Models and operators meet here. A wavefunction's `hilbert` is the space its
    amplitudes live on (`RNNWavefunction(..., magnetization=0).hilbert` is the sector
    `S^z = 0`); `operator.to_sparse(hilbert)` is the operator's matrix on that space;
    `kerasnqs.exact` searches it for the ground state; `check_operator` refuses an
    operator that would leave the sector. Passing one `SpinHalf` along keeps the sector
    of the model, of the operator's matrix and of the exact reference the same.

    Mathematical details: a configuration `sigma` in `{0, 1}^n` (0 is spin up, 1 spin
    down) has `S^z = (n_up - n_down) / 2 = n / 2 - n_down`. The sector `S^z = m` holds the
    `binomial(n, n / 2 - m)` configurations with `n_down = n / 2 - m`; the whole space
    holds `2^n`. Basis states are ordered by their index (`kerasnqs.hilbert.basis`: site 0
    is the most significant bit).

    Args:
        n_sites: the number of spins, an int >= 1.
        magnetization: `None` (the whole space, the default) or the total `S^z` of the
            sector: one of `-n_sites / 2, -n_sites / 2 + 1, ..., n_sites / 2`.

    Example:

    >>> from kerasnqs.hilbert import SpinHalf
    >>> space = SpinHalf(4, magnetization=0)
    >>> space
    SpinHalf(n_sites=4, magnetization=0)
    >>> space.size, space.n_down
    (6, 2)
    >>> space.indices().tolist()
    [3, 5, 6, 9, 10, 12]
    >>> space.contains([[0, 1, 0, 1], [1, 1, 1, 0]]).tolist()
    [True, False]
    >>> SpinHalf(4).size
    16
    """

    def __init__(self, n_sites, magnetization=None):
        self.n_sites = validation.integer("n_sites", n_sites)
        if magnetization is None:
            self.n_down = None
            self.magnetization = None
        else:
            self.n_down = basis.n_down_spins(self.n_sites, magnetization)
            twice = self.n_sites - 2 * self.n_down
            # An int for whole values, a float for half-integers (odd sites).
            self.magnetization = twice // 2 if twice % 2 == 0 else twice / 2

    @property
    def is_sector(self):
        """True when the space is one sector of total `S^z`, False for the whole space."""
        return self.magnetization is not None

    @property
    def size(self):
        """The number of basis states: `2^n_sites`, or `binomial(n_sites, n_down)`."""
        return basis.sector_size(self.n_sites, self.magnetization)

    def indices(self):
        """Returns the basis indices of the space, in increasing order.

        Returns:
            An int64 numpy array of length `size` (at most 62 sites).
        """
        if self.n_sites > basis.MAX_SITES:
            raise ValueError(
                f"The basis indices of {self.n_sites} sites do not fit in an int64 (at most "
                f"{basis.MAX_SITES} sites)."
            )
        if self.magnetization is None:
            return np.arange(self.size, dtype=np.int64)
        return basis.sector_indices(self.n_sites, self.magnetization)

    def contains(self, configs):
        """Returns which configurations belong to the space.

        Args:
            configs: integer array `(batch, n_sites)` of 0s and 1s.

        Returns:
            A bool numpy array `(batch,)`.
        """
        configs = np.asarray(configs)
        if configs.ndim != 2 or configs.shape[1] != self.n_sites:
            raise ValueError(
                f"`configs` must have shape (batch, {self.n_sites}), got shape {configs.shape}."
            )
        if self.n_down is None:
            return np.ones(configs.shape[0], dtype=bool)
        return np.sum(configs, axis=1) == self.n_down

    def check_operator(self, operator, argument="magnetization"):
        """Raises a `ValueError` unless `operator` acts on this space and stays in it.

        An operator on another number of sites is refused; in a sector, so is one that
        does not conserve the total `S^z` (its matrix would leave the sector).

        Args:
            operator: a `kerasnqs.operators.PauliSum` (anything with `n_sites` and
                `conserves_magnetization`).
            argument: how the message names the sector (a flag, for the command line).

        Returns:
            `operator`, unchanged.
        """
        if operator.n_sites != self.n_sites:
            raise ValueError(
                f"`operator` acts on {operator.n_sites} sites, but the Hilbert space "
                f"{self!r} has {self.n_sites}."
            )
        if self.is_sector and not operator.conserves_magnetization:
            raise ValueError(
                f"`{argument}` {self.magnetization:g} was given, but {operator!r} does not "
                "conserve the total S^z; use the whole space (magnetization None)."
            )
        return operator

    def describe(self):
        """Returns a short human description, such as `'16 spins 1/2, S^z = 0'`."""
        text = f"{self.n_sites} spin{'s' if self.n_sites != 1 else ''} 1/2"
        return text if self.magnetization is None else f"{text}, S^z = {self.magnetization:g}"

    def get_config(self):
        """Returns the constructor arguments, a JSON-serializable dict."""
        return {"n_sites": self.n_sites, "magnetization": self.magnetization}

    @classmethod
    def from_config(cls, config):
        """Rebuilds a space from `get_config()`."""
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, SpinHalf) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((SpinHalf, self.n_sites, self.magnetization))

    def __repr__(self):
        return f"SpinHalf(n_sites={self.n_sites}, magnetization={self.magnetization!r})"


def resolve(hilbert, n_sites):
    """Returns the space to use for an operator or a wavefunction of `n_sites` sites.

    Args:
        hilbert: `None` (the whole space of `n_sites` spins) or a `SpinHalf` of
            `n_sites` sites.
        n_sites: the number of sites it must have.

    Returns:
        A `SpinHalf`.

    Raises:
        ValueError: naming `hilbert`, for anything else.
    """
    if hilbert is None:
        return SpinHalf(n_sites)
    if not isinstance(hilbert, SpinHalf):
        hint = ""
        if isinstance(hilbert, numbers.Real) and not isinstance(hilbert, bool):
            hint = (
                f"; for the sector S^z = {hilbert!r} write "
                f"SpinHalf({n_sites}, magnetization={hilbert!r})"
            )
        raise ValueError(
            f"`hilbert` must be a kerasnqs.hilbert.SpinHalf or None, got {hilbert!r}{hint}."
        )
    if hilbert.n_sites != n_sites:
        raise ValueError(f"`hilbert` must have {n_sites} sites, got {hilbert!r}.")
    return hilbert
