"""Command-line flags that choose a physical system, shared by the commands that need one.

`add_system_arguments(parser)` adds the flags; `build_system(args)` turns the parsed
flags, or a plain mapping with the same keys (for example a table of a TOML file), into
a lattice and its Hamiltonian. Keys use underscores (`marshall_sign`); hyphens are also
accepted in a mapping. Keys that are not system keys are ignored, so a mapping may hold
other settings too.
"""

import argparse
import math
import re

from kerasnqs import validation
from kerasnqs.lattice import Chain, Square
from kerasnqs.operators import SPIN_MODELS
from kerasnqs.operators.basis import n_down_spins

SYSTEMS = tuple(SPIN_MODELS)
LATTICES = ("chain", "square")

DEFAULTS = {
    "system": "tfim",
    "lattice": "chain",
    "size": "20",
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


def add_system_arguments(parser):
    """Adds the flags that choose a lattice and a Hamiltonian to `parser`.

    The defaults are those of `DEFAULTS`, and the help shows them even when a command
    replaces the parser's defaults (`kerasnqs train` sets them to `None`, so that a
    config file can fill what the command line leaves out). `build_system` rejects a
    flag that only some systems use (`--h`, `--j2`, `--marshall-sign`) when it is given
    a value other than its default for a system that does not use it.

    Args:
        parser: an `argparse.ArgumentParser` (or an argument group).

    Returns:
        The parser.

    Example:

    >>> import argparse
    >>> parser = add_system_arguments(argparse.ArgumentParser())
    >>> args = parser.parse_args(["--system", "heisenberg", "--lattice", "square", "--size", "4x4"])
    >>> lattice, operator = build_system(args)
    >>> operator
    Heisenberg(lattice=Square(lx=4, ly=4, pbc=False), J=1.0, marshall_sign=False)
    """
    parser.add_argument(
        "--system",
        choices=SYSTEMS,
        default=DEFAULTS["system"],
        help=f"the Hamiltonian (default: {DEFAULTS['system']})",
    )
    parser.add_argument(
        "--lattice",
        choices=LATTICES,
        default=DEFAULTS["lattice"],
        help=f"the lattice (default: {DEFAULTS['lattice']})",
    )
    parser.add_argument(
        "--size",
        default=DEFAULTS["size"],
        help="N sites for a chain; LXxLY (e.g. 4x4) or a square number N (16 is 4x4) "
        f"for a square lattice (default: {DEFAULTS['size']})",
    )
    parser.add_argument(
        "--pbc",
        action="store_true",
        default=DEFAULTS["pbc"],
        help="periodic boundary conditions",
    )
    parser.add_argument(
        "--h",
        type=float,
        default=DEFAULTS["h"],
        help=f"transverse field of the TFIM (default: {DEFAULTS['h']})",
    )
    parser.add_argument(
        "--j2",
        type=float,
        default=DEFAULTS["j2"],
        help=f"next-nearest-neighbour coupling of the J1-J2 model (default: {DEFAULTS['j2']})",
    )
    parser.add_argument(
        "--marshall-sign",
        action="store_true",
        default=DEFAULTS["marshall_sign"],
        help="rotate the Heisenberg or J1-J2 Hamiltonian by the Marshall sign",
    )
    parser.add_argument(
        "--magnetization",
        type=float,
        default=DEFAULTS["magnetization"],
        help="total S^z = (n_up - n_down) / 2 of the sector, for Hamiltonians that conserve it",
    )
    return parser


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
    """Builds the lattice and the Hamiltonian chosen by the system flags.

    Args:
        args: an `argparse.Namespace` from `add_system_arguments`, or a mapping with
            some of the keys of `DEFAULTS`.

    Returns:
        A pair `(lattice, operator)`.

    Example:

    >>> build_system({"system": "tfim", "size": 8, "h": 0.5, "pbc": True})
    (Chain(n=8, pbc=True), TFIM(lattice=Chain(n=8, pbc=True), h=0.5, J=1.0))
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
    operator = build_operator(config, lattice)
    _check_magnetization(config["magnetization"], operator)
    return lattice, operator


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
    couplings = [key for key in arguments if key != "marshall_sign"]  # bool: build_system
    for key in couplings:
        arguments[key] = validation.finite_real(f"--{key}", arguments[key])
    try:
        return SPIN_MODELS[system](lattice, **arguments)
    except ValueError as error:  # A coupling too large for the model: name its flag.
        flags = ", ".join(f"--{key} {arguments[key]!r}" for key in couplings)
        raise ValueError(f"{flags}: {error}") from None


def _check_magnetization(magnetization, operator):
    if magnetization is None:
        return
    n_down_spins(operator.n_sites, magnetization, argument="--magnetization")
    if not operator.conserves_magnetization:
        raise ValueError(
            f"`--magnetization` {magnetization:g} was given, but {operator!r} does not "
            "conserve the total S^z."
        )


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"`--{name}` must be one of {', '.join(choices)}, got {value!r}.")
