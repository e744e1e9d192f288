"""The training settings that measured best, chosen from the system when a recipe leaves
them open.

A `kerasnqs.Recipe` whose `sr`, `lr` or `diag_shift` is `None` (the default) takes them
from `TUNED`: the optimizer, learning rate and diagonal shift that won the side-by-side
benchmarks (`benchmarks/peers.py`, `docs/benchmarks.md`, with the sweeps behind them in
`benchmarks/NOTES.md`) on the closest system measured. Explicit settings always win.
No TensorFlow is needed.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Tuned:
    """One row of `TUNED`: where it applies, what it sets, and the measurement behind it.

    Attributes:
        systems: the `system` names it applies to.
        lattice: the `lattice` name it applies to.
        sr: precondition with SR (SGD) rather than use Adam.
        lr: the initial learning rate.
        diag_shift: SR's diagonal shift.
        evidence: the measurement that chose it, in a line.
    """

    systems: tuple
    lattice: str
    sr: bool
    lr: float
    diag_shift: float
    evidence: str


TUNED = (
    Tuned(
        ("tfim",),
        "chain",
        sr=True,
        lr=0.05,
        diag_shift=1e-4,
        evidence="TFIM chains of 20 and 50 sites: SR ahead of Adam and of NetKet's RBMSymm "
        "at equal time; shift 1e-4 beat 1e-5 9x at 50 sites",
    ),
    Tuned(
        ("heisenberg", "j1j2"),
        "chain",
        sr=True,
        lr=0.05,
        diag_shift=1e-5,
        evidence="Heisenberg and J1-J2 rings of 20 sites: SR 4.6x ahead of Adam in 300 s; "
        "shift 1e-5 beat 1e-4",
    ),
    Tuned(
        ("tfim",),
        "square",
        sr=True,
        lr=0.05,
        diag_shift=1e-5,
        evidence="TFIM square 4x4, h = 3: 1.9e-6 in 120 s with shift 1e-5",
    ),
    Tuned(
        ("heisenberg", "j1j2"),
        "square",
        sr=True,
        lr=0.1,
        diag_shift=1e-5,
        evidence="Heisenberg square 6x6: SGD 0.1 and shift 1e-5 reached 9.6e-4 in 600 s, "
        "against 1.3e-3 with 0.05 and 1.7e-3 with shift 1e-4 (not measured on J1-J2 squares)",
    ),
)
"""The measured best training settings of an RNN wavefunction, by system and lattice."""

UNTUNED = {"sr": False, "lr": 1e-2, "diag_shift": 1e-4}
"""The settings of models no row of `TUNED` measured (the Transformer, the mixture):
Adam from 1e-2, as before the benchmarks."""

SR_DEFAULTS = {"lr": 0.05, "diag_shift": 1e-4}
"""The rate and shift of SR asked for explicitly on a model `TUNED` does not cover."""

OPEN = ("sr", "lr", "diag_shift")
"""The recipe settings that `None` leaves to this table."""


def tuned_for(system, lattice, model="rnn"):
    """Returns the `Tuned` row of a system, or `None` when none was measured.

    Example:

    >>> tuned_for("heisenberg", "chain").diag_shift
    1e-05
    >>> tuned_for("tfim", "chain", model="transformer") is None
    True
    """
    if model != "rnn":
        return None
    for row in TUNED:
        if system in row.systems and lattice == row.lattice:
            return row
    return None


def choose(settings):
    """Fills the open training settings of a recipe from `TUNED`.

    Args:
        settings: a mapping with the recipe's `system`, `lattice` and `model`, and `sr`,
            `lr`, `diag_shift`, each a value or `None` (open).

    Returns:
        `(chosen, note)`: a dict of the three settings, all given, and a line saying
        which were chosen and why (empty when none was open), such as
        `"SR (SGD 0.05, diag shift 1e-05); chose sr, lr, diag_shift from measured best:
        ..."`.

    Example:

    >>> chosen, note = choose(
    ...     {"system": "heisenberg", "lattice": "chain", "model": "rnn",
    ...      "sr": None, "lr": None, "diag_shift": None}
    ... )
    >>> chosen
    {'sr': True, 'lr': 0.05, 'diag_shift': 1e-05}
    >>> choose({"system": "tfim", "lattice": "chain", "model": "rnn",
    ...         "sr": False, "lr": None, "diag_shift": None})[0]["lr"]
    0.01
    """
    given = {key: settings[key] for key in OPEN}
    row = tuned_for(settings["system"], settings["lattice"], settings["model"])
    sr = given["sr"] if given["sr"] is not None else (row.sr if row else UNTUNED["sr"])
    # Adam has no diagonal shift: leaving it open is no choice worth a note.
    open_keys = [key for key in OPEN if given[key] is None and (sr or key != "diag_shift")]
    if not open_keys:
        return {**UNTUNED, **{k: v for k, v in given.items() if v is not None}}, ""
    if row is not None and sr == row.sr:
        table, why = dataclasses.asdict(row), f"measured best: {row.evidence}"
    elif sr:
        table, why = SR_DEFAULTS, "SR's defaults (no measurement for this model)"
    else:
        table, why = UNTUNED, "Adam's defaults (no SR measurement for this choice)"
    chosen = {"sr": sr}
    chosen.update({key: given[key] if given[key] is not None else table[key] for key in OPEN[1:]})
    return chosen, f"{describe(chosen)}; chose {', '.join(open_keys)} from {why}"


def describe(chosen):
    """A short text of training settings.

    Example:

    >>> describe({"sr": True, "lr": 0.05, "diag_shift": 1e-5})
    'SR (SGD 0.05, diag shift 1e-05)'
    >>> describe({"sr": False, "lr": 0.01, "diag_shift": 1e-4})
    'Adam (lr 0.01)'
    """
    if chosen["sr"]:
        return f"SR (SGD {chosen['lr']:g}, diag shift {chosen['diag_shift']:g})"
    return f"Adam (lr {chosen['lr']:g})"
