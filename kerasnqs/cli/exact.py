"""`kerasnqs exact`: prints the exact ground-state energy of a system.

The TFIM on a chain uses the free-fermion solution (any size). Every other system is
diagonalized by Lanczos (see `kerasnqs.exact.exact_energy`), within the size limit of
`kerasnqs.operators.PauliSum.to_sparse`.
"""

from kerasnqs.cli import system_args
from kerasnqs.exact import exact_energy
from kerasnqs.hilbert import SpinHalf
from kerasnqs.recipes.system import build_system, describe, system_config


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
    _, operator = build_system(args)
    hilbert = SpinHalf(operator.n_sites, system_config(args)["magnetization"])
    energy, method = exact_energy(operator, hilbert)
    print(f"exact ground-state energy: {energy:.12g}  ({method}, {describe(operator)})")
