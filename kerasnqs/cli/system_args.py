"""The flags that choose a physical system, shared by `kerasnqs train` and `kerasnqs exact`.

Their names, choices and defaults are those of `kerasnqs.recipes.system`, which turns
them into a lattice and a Hamiltonian (`build_system`).
"""

from kerasnqs.recipes.system import DEFAULTS, LATTICES, SYSTEMS


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
    >>> from kerasnqs.recipes import build_system
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
