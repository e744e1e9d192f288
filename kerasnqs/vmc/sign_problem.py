"""The warning for a positive wavefunction trained on a non-stoquastic Hamiltonian."""

import warnings


class SignProblemWarning(UserWarning):
    """A positive wavefunction cannot represent the ground state of this Hamiltonian."""


def warn_if_unrepresentable(wavefunction, hamiltonian):
    """Warns when a positive wavefunction meets positive off-diagonal matrix elements.

    A wavefunction without a phase (`wavefunction.is_complex` False) has `psi(s) > 0`.
    When some off-diagonal element of the Hamiltonian is positive (or complex), i.e.
    `not hamiltonian.is_stoquastic`, the ground state generally has amplitudes of both
    signs; the best positive state then lies well above the ground energy (30-50 % for
    the Heisenberg chain without the Marshall sign), while VMC converges to it with a
    small variance that looks like success. Some such ground states do have one sign
    (the Marshall-rotated J1-J2 ring at `j2 = j1 / 2`, whose dimer states are
    positive), so this is a warning and not an error. The warning says what to use
    instead: the Marshall sign when it makes this Hamiltonian stoquastic, else a
    wavefunction with a phase.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        hamiltonian: a `kerasnqs.operators.PauliSum`.

    Returns:
        True when it warned.

    Example:

    >>> import warnings
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import Heisenberg
    >>> chain = Chain(4)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_unrepresentable(RNNWavefunction(chain, units=4), Heisenberg(chain))
    True
    >>> "--marshall-sign" in str(caught[0].message)
    True
    """
    if wavefunction.is_complex or hamiltonian.is_stoquastic:
        return False
    if _marshall_sign_helps(hamiltonian):
        remedy = (
            "rotate the Hamiltonian by the Marshall sign (marshall_sign=True, "
            "--marshall-sign), which makes it stoquastic, or use a wavefunction with a "
            "phase (phase=True, --phase)"
        )
    else:
        remedy = "use a wavefunction with a phase (phase=True, --phase)"
    message = (
        f"{hamiltonian!r} has positive or complex off-diagonal matrix elements, so its "
        "ground state generally has amplitudes of different signs, which a positive "
        f"(phase-free) {type(wavefunction).__name__} cannot represent: VMC then converges "
        "above the ground energy, with a small variance. To reach the ground state, "
        f"{remedy}."
    )
    warnings.warn(message, SignProblemWarning, stacklevel=3)
    return True


def _marshall_sign_helps(hamiltonian):
    """True when the same Hamiltonian with `marshall_sign=True` is stoquastic."""
    config = hamiltonian.get_config()
    if config.get("marshall_sign") is not False:
        return False
    return type(hamiltonian).from_config({**config, "marshall_sign": True}).is_stoquastic
