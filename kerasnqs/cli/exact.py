"""`kerasnqs exact`: prints the exact ground-state energy of a system.

The TFIM on a chain uses the free-fermion solution (any size). Every other system is
diagonalized by Lanczos (see `kerasnqs.exact.exact_energy`), within the size limit of
`kerasnqs.operators.PauliSum.to_sparse`.
"""

from kerasnqs.cli import system_args
from kerasnqs.exact import exact_energy
from kerasnqs.operators import SPIN_MODELS


def add_parser(subparsers):
    """Adds the `exact` sub-command to `subparsers` and returns its parser."""
    parser = subparsers.add_parser(
        "exact",
        help="print the exact ground-state energy",
        description="Prints the exact ground-state energy: free fermions for the TFIM on "
        "a chain, Lanczos otherwise.",
    )
    system_args.add_system_arguments(parser)
    return parser


def run(args):
    """Computes and prints the exact ground-state energy of the system in `args`."""
    _, operator = system_args.build_system(args)
    magnetization = system_args.system_config(args)["magnetization"]
    energy, method = exact_energy(operator, magnetization)
    print(f"exact ground-state energy: {energy:.12g}  ({method}, {describe(operator)})")


def describe(operator):
    """Returns a short description such as `TFIM chain n=20 open, h=1, J=1`.

    An operator that is not one of the named models is described by its `repr`.
    """
    if not isinstance(operator, tuple(SPIN_MODELS.values())):
        return repr(operator)
    lattice = operator.lattice
    config = lattice.get_config()
    boundary = "periodic" if lattice.pbc else "open"
    if config["name"] == "chain":
        where = f"chain n={config['n']} {boundary}"
    else:
        where = f"square {config['lx']}x{config['ly']} {boundary}"
    values = [f"{key}={getattr(operator, key):.12g}" for key in operator.couplings]
    if getattr(operator, "marshall_sign", False):
        values.append("Marshall sign")
    return f"{operator.title} {where}, {', '.join(values)}"
