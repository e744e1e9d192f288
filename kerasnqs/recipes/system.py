"""The physical system of a recipe: a lattice and a Hamiltonian, from a few keys.

`build_system(keys)` turns a mapping of the system keys (`DEFAULTS`: those of a
`kerasnqs.Recipe`, of a TOML table, or the parsed flags of `kerasnqs train` and
`kerasnqs exact`) into a lattice and its Hamiltonian; `check_system` checks the keys
without building the Hamiltonian. Keys use underscores (`marshall_sign`); hyphens are
also accepted. Keys that are not system keys are ignored, so a mapping may hold other
settings too. No TensorFlow is needed.
"""

import argparse
import math
import re

from kerasnqs import validation
from kerasnqs.hilbert import SpinHalf, n_down_spins
from kerasnqs.lattice import Chain, Square
from kerasnqs.operators import SPIN_MODELS

SYSTEMS = tuple(SPIN_MODELS)
LATTICES = ("chain", "square")

DEFAULTS = {
    "system": "tfim",
    "lattice": "chain",
    "size": 20,
    "pbc": False,
    "h": 1.0,
    "j2": 0.0,
    "marshall_sign": False,
    "magnetization": None,
}
"""The value of every system key when it is not given."""

MAX_SITES = 10_000
"""The most sites `--size` gives: the free-fermion energy of a TFIM chain of 10,000 sites
takes about 6 s (it grows as the square of the sites), and training needs the amplitudes of
every connected configuration of a sample within the memory budget (see
`kerasnqs.vmc.memory_budget.check_training_fits`)."""

_USES = {
    "h": ("tfim",),
    "j2": ("j1j2",),
    "marshall_sign": ("heisenberg", "j1j2"),
}
"""The systems that read each system-specific key, an argument of their constructor of
the same name; another value than the default for another system is an error."""


def system_config(args):
    """Returns the system keys of parsed flags or a mapping, with defaults filled in.

    Args:
        args: an `argparse.Namespace` from `add_system_arguments`, or a mapping with
            some of the keys of `DEFAULTS`.

    Returns:
        A dict with every key of `DEFAULTS`.
    """
    given = vars(args) if isinstance(args, argparse.Namespace) else args
    if not hasattr(given, "items"):
        raise ValueError(f"`args` must be parsed flags or a mapping, got {type(args).__name__}.")
    given = {str(key).replace("-", "_"): value for key, value in given.items()}
    config = {key: given.get(key, default) for key, default in DEFAULTS.items()}
    for key, users in _USES.items():
        if config["system"] not in users and config[key] != DEFAULTS[key]:
            raise ValueError(
                f"`--{key.replace('_', '-')}` applies only to --system {' or '.join(users)}, "
                f"not to --system {config['system']}; got {config[key]!r}."
            )
    return config


def build_system(args):
    """Builds the lattice and the Hamiltonian that the system keys choose.

    Args:
        args: a mapping with some of the keys of `DEFAULTS` (or an `argparse.Namespace`
            with them).

    Returns:
        A pair `(lattice, operator)`.

    Example:

    >>> build_system({"system": "tfim", "size": 8, "h": 0.5, "pbc": True})
    (Chain(n=8, pbc=True), TFIM(lattice=Chain(n=8, pbc=True), h=0.5, J=1.0))
    >>> build_system({"system": "heisenberg", "lattice": "square", "size": "4x4"})[1]
    Heisenberg(lattice=Square(lx=4, ly=4, pbc=False), J=1.0, marshall_sign=False)
    """
    config, lattice = check_system(args)
    operator = build_operator(config, lattice)
    hilbert = SpinHalf(lattice.n_sites, config["magnetization"])
    hilbert.check_operator(operator, argument="--magnetization")
    return lattice, operator


def check_system(args):
    """Checks the system keys without building the Hamiltonian.

    Everything `build_system` refuses is refused here, but a coupling too large for its
    model and a `magnetization` for a Hamiltonian that does not conserve it, which need
    the Hamiltonian itself.

    Args:
        args: a mapping with some of the keys of `DEFAULTS`.

    Returns:
        `(config, lattice)`: the keys with defaults filled in (`system_config`) and the
        lattice they choose.

    Raises:
        ValueError: naming the first key whose value is not what is expected.
    """
    config = system_config(args)
    _check_choice("system", config["system"], SYSTEMS)
    _check_choice("lattice", config["lattice"], LATTICES)
    if not isinstance(config["pbc"], bool):
        raise ValueError(f"`--pbc` must be true or false, got {config['pbc']!r}.")
    if not isinstance(config["marshall_sign"], bool):
        raise ValueError(
            f"`--marshall-sign` must be true or false, got {config['marshall_sign']!r}."
        )
    lattice = build_lattice(config["lattice"], config["size"], config["pbc"])
    for key in _couplings(config["system"]):
        validation.finite_real(f"--{key}", config[key])
    if config["magnetization"] is not None:
        n_down_spins(lattice.n_sites, config["magnetization"], argument="--magnetization")
    return config, lattice


def _couplings(system):
    """The real couplings of `system` among the keys (not `marshall_sign`, a bool)."""
    return [key for key, users in _USES.items() if system in users and key != "marshall_sign"]


def build_lattice(name, size, pbc=False):
    """Returns the lattice named `name` with the given `--size`.

    Args:
        name: `"chain"` or `"square"`.
        size: an int or a str: `N` for a chain; `"LXxLY"` or a square number `N`
            (meaning `sqrt(N) x sqrt(N)`) for a square lattice.
        pbc: periodic boundary conditions.

    Returns:
        A `kerasnqs.lattice.Lattice`.

    Example:

    >>> build_lattice("square", "3x2")
    Square(lx=3, ly=2, pbc=False)
    >>> build_lattice("square", 16)
    Square(lx=4, ly=4, pbc=False)
    """
    _check_choice("lattice", name, LATTICES)
    text = str(size).strip().lower()
    sides = re.fullmatch(r"(\d+)x(\d+)", text)
    if name == "chain":
        if not text.isdigit() or int(text) < 2:
            raise ValueError(f"`--size` for a chain must be a number of sites >= 2, got {size!r}.")
        _check_sites(int(text), size)
        return Chain(int(text), pbc=pbc)
    if sides:
        lx, ly = int(sides.group(1)), int(sides.group(2))
    elif text.isdigit() and math.isqrt(int(text)) ** 2 == int(text):
        lx = ly = math.isqrt(int(text))
    else:
        raise ValueError(
            f"`--size` for a square lattice must be LXxLY (e.g. 4x4) or a square number "
            f"of sites (e.g. 16), got {size!r}."
        )
    if lx < 2 or ly < 2:
        raise ValueError(f"`--size` for a square lattice needs sides >= 2, got {size!r}.")
    _check_sites(lx * ly, size)
    return Square(lx, ly, pbc=pbc)


def _check_sites(n_sites, size):
    if n_sites > MAX_SITES:
        raise ValueError(
            f"`--size` must give at most {MAX_SITES:,} sites, got {size!r} ({n_sites:,} sites)."
        )


def build_operator(config, lattice):
    """Returns the Hamiltonian of `config["system"]` on `lattice`.

    Args:
        config: a dict with the keys of `DEFAULTS` (see `system_config`).
        lattice: a `kerasnqs.lattice.Lattice`.

    Returns:
        A `kerasnqs.operators.PauliSum`.
    """
    system = config["system"]
    arguments = {key: config[key] for key, users in _USES.items() if system in users}
    couplings = _couplings(system)
    for key in couplings:
        arguments[key] = validation.finite_real(f"--{key}", arguments[key])
    try:
        return SPIN_MODELS[system](lattice, **arguments)
    except ValueError as error:  # A coupling too large for the model: name its flag.
        flags = ", ".join(f"--{key} {arguments[key]!r}" for key in couplings)
        raise ValueError(f"{flags}: {error}") from None


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"`--{name}` must be one of {', '.join(choices)}, got {value!r}.")


def describe(operator):
    """Returns a short description such as `TFIM chain n=20 open, h=1, J=1`.

    The description is the operator's own `describe()` (see
    `kerasnqs.operators.PauliSum.describe`); anything without one is described by its
    `repr`.

    Example:

    >>> describe(build_system({"system": "tfim", "size": 20})[1])
    'TFIM chain n=20 open, h=1, J=1'
    """
    if not hasattr(operator, "describe"):
        return repr(operator)
    return operator.describe()
