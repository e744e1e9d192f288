"""Is the Marshall-rotated ground state positive? Exact diagonalization of J1-J2 rings.

A wavefunction without a phase head is positive, so it can represent the ground state
only where the ground state, in the basis where the Hamiltonian is Marshall-rotated,
has amplitudes of one sign. For each `j2` this prints, in the sector `S^z = 0` of the
ring (Lanczos):

- `E0`, the ground-state energy;
- `negative weight`, `sum |psi(s)|^2` over the configurations whose amplitude has the
  sign opposite to the largest one (0 for a positive state);
- `E(|psi|) - E0` relative to `|E0|`: the energy of the positive state `|psi_0|`, an
  upper bound of what a positive model can reach; 0 when the sign rule is exact;
- the gap to the first excited state in the sector, to tell a degenerate ground space
  (where the vector Lanczos returns is one of several) from a unique one.

Usage:

    python benchmarks/sign_structure.py --sites 20 --j2 0.2 0.2411 0.4 0.5
"""

import argparse

import numpy as np
import scipy.sparse.linalg

from kerasnqs.lattice import Chain
from kerasnqs.operators import J1J2


def sign_structure(n_sites, j2):
    """Returns the row of the table for the ring of `n_sites` at `j2` (see the module)."""
    hamiltonian = J1J2(Chain(n_sites, pbc=True), j2=j2, marshall_sign=True)
    matrix = hamiltonian.to_sparse(0).real
    start = np.random.default_rng(0).standard_normal(matrix.shape[0])
    energies, vectors = scipy.sparse.linalg.eigsh(matrix, k=2, which="SA", v0=start)
    order = np.argsort(energies)
    energies, vector = energies[order], vectors[:, order[0]]
    vector = vector * np.sign(vector[np.argmax(np.abs(vector))])
    negative_weight = float(np.sum(vector[vector < 0] ** 2))
    positive = np.abs(vector)
    positive_energy = float(positive @ (matrix @ positive))
    return {
        "j2": j2,
        "E0": float(energies[0]),
        "negative weight": negative_weight,
        "E(|psi|) - E0, relative": (positive_energy - energies[0]) / abs(energies[0]),
        "gap": float(energies[1] - energies[0]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--j2", type=float, nargs="+", default=[0.2, 0.2411, 0.4, 0.5])
    args = parser.parse_args()
    print(f"J1-J2 ring of {args.sites} sites, Marshall-rotated, S^z = 0 (Lanczos)")
    print(f"{'j2':>7} {'E0':>14} {'negative weight':>16} {'E(|psi|)-E0 rel':>16} {'gap':>10}")
    for j2 in args.j2:
        row = sign_structure(args.sites, j2)
        print(
            f"{row['j2']:>7g} {row['E0']:>14.8f} {row['negative weight']:>16.3e} "
            f"{row['E(|psi|) - E0, relative']:>16.3e} {row['gap']:>10.5f}"
        )


if __name__ == "__main__":
    main()
