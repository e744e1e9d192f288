"""`kerasnqs evaluate`: estimates the energy of a saved model for its own Hamiltonian.

MODEL is a `.keras` file (from `kerasnqs train` or `VMC.save`), the folder a `kerasnqs
train` run wrote, or a zoo model: a name from `kerasnqs zoo list` or a folder written by
`kerasnqs.zoo.save`.
"""

import os
import sys

from kerasnqs import run_folder
from kerasnqs.recipes import checks
from kerasnqs.recipes.system import describe


def add_parser(subparsers):
    """Adds the `evaluate` sub-command to `subparsers` and returns its parser."""
    parser = subparsers.add_parser(
        "evaluate",
        help="estimate the energy of a saved model",
        description="Estimates the energy of a saved model (a .keras file written by "
        "`kerasnqs train` or `VMC.save`, a `kerasnqs train` run folder, or a zoo model) "
        "for the Hamiltonian recorded with it, and compares it with the exact energy when "
        "one can be computed (for a zoo model: the exact energy and the estimate stored "
        "with it).",
    )
    parser.add_argument(
        "model",
        help="a .keras file holding a kerasnqs.VMC, a folder written by `kerasnqs train`, "
        "a zoo model name (see `kerasnqs zoo list`) or a zoo model folder",
    )
    parser.add_argument("--samples", type=int, default=10000, help="samples (10000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="connected configurations evaluated at once (default: the most that fit in "
        "--memory-budget, at most 5000)",
    )
    parser.add_argument(
        "--memory-budget",
        default=None,
        metavar="SIZE",
        help="working memory of the local energies, e.g. 2GB or 800MB (1GiB; TensorFlow "
        "needs about 1 GB more)",
    )
    return parser


def run(args):
    """Estimates and prints the energy of the model in `args.model`."""
    checks.samples(args.samples)
    checks.seed(args.seed)
    checks.chunk_size(args.chunk_size)
    from kerasnqs.vmc.memory_budget import check_estimate_fits, parse_memory_budget

    memory_budget = parse_memory_budget(args.memory_budget, name="--memory-budget")
    check_estimate_fits(args.samples, memory_budget, names=("--samples", "--memory-budget"))
    model_file = saved_model_file(args.model)
    if model_file is not None:
        from kerasnqs.training import load_vmc

        vmc = load_vmc(model_file)
        wavefunction, hamiltonian, metadata = vmc.wavefunction, vmc.hamiltonian, None
    else:
        wavefunction, hamiltonian, metadata = load_zoo_model(args.model)
    name = args.model if metadata is None else metadata["name"]
    print(f"model:          {name} ({type(wavefunction).__name__}, {wavefunction.n_sites} sites)")
    print(f"hamiltonian:    {describe(hamiltonian)}")
    from kerasnqs.exact import reference_energy, relative_error
    from kerasnqs.vmc import Stats, estimate

    print(f"estimating from {args.samples} samples ...", flush=True)
    stats = estimate(
        wavefunction,
        hamiltonian,
        args.samples,
        seed=args.seed,
        chunk_size="auto" if args.chunk_size is None else args.chunk_size,
        memory_budget=memory_budget,
        progress=sys.stdout.isatty(),
    )
    if metadata is None:
        exact, _ = reference_energy(hamiltonian, wavefunction.hilbert)
    else:
        exact = metadata["exact_energy"]
    error = None if exact is None else relative_error(stats.mean.real, exact)
    print(format_result(stats, exact, error))
    if metadata is not None:
        print(f"zoo energy:     {Stats(**metadata['energy'])}")


def saved_model_file(model):
    """The `.keras` file that MODEL names, or None for a zoo model.

    Args:
        model: the MODEL argument: a `.keras` file, a `kerasnqs train` run folder (it
            holds `config.json` and no zoo `metadata.json`), or a zoo model name or
            folder.

    Returns:
        The path of the `.keras` file to load, or None.

    Raises:
        ValueError: for a run folder without `model.keras` (a run that has not ended).
    """
    if model.endswith(".keras"):
        return model
    from kerasnqs.zoo.registry import METADATA_FILE

    is_run = os.path.isfile(os.path.join(model, run_folder.CONFIG))
    if not is_run or os.path.isfile(os.path.join(model, METADATA_FILE)):
        return None  # a zoo model, whose folder holds a config.json of its own
    path = os.path.join(model, run_folder.MODEL)
    if not os.path.isfile(path):
        raise ValueError(
            f"the run in {model!r} has no {run_folder.MODEL} yet: it has not ended; "
            f"continue it with: kerasnqs train --resume {model}"
        )
    return path


def load_zoo_model(name_or_path):
    """Loads a zoo model by name or folder (see `kerasnqs.zoo`).

    Args:
        name_or_path: a zoo model name or folder.

    Returns:
        `(wavefunction, hamiltonian, metadata)`.
    """
    from kerasnqs import zoo

    metadata = zoo.info(name_or_path)
    return zoo.load(name_or_path), zoo.hamiltonian(name_or_path), metadata


def format_result(stats, exact_energy, relative_error, wall_time=None):
    """Returns the lines that report an energy estimate against the exact energy."""
    lines = [f"energy:         {stats}"]
    if exact_energy is not None:
        lines.append(f"exact energy:   {exact_energy:.10f}")
        lines.append(f"relative error: {relative_error:.2e}")
    if wall_time is not None:
        lines.append(f"wall time:      {wall_time:.1f} s")
    return "\n".join(lines)
