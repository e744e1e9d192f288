"""Writing a training run's files so that an interruption never leaves half a file."""

import contextlib
import json
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`, moved onto `path` only when the block succeeds.

    Args:
        path: the final file path.

    Yields:
        A temporary path in the same folder, with the same suffix.
    """
    folder, name = os.path.split(os.path.abspath(path))
    suffix = "".join(name.partition(".")[1:])
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_json(path, data):
    """Writes `data` as indented JSON to `path` atomically."""
    with atomic_path(path) as temporary, open(temporary, "w") as file:
        json.dump(data, file, indent=2, sort_keys=True)
        file.write("\n")


def plot_energy(path, steps, energies, errors, exact_energy=None):
    """Plots the energy against the training step (with the exact line) into a PNG.

    Args:
        path: the PNG path.
        steps: the training step at the end of each logged epoch.
        energies: the mean energy of each epoch.
        errors: the error bar of each epoch's mean energy.
        exact_energy: the exact ground-state energy, or None.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    axis.errorbar(steps, energies, yerr=errors, marker=".", lw=1, label="VMC")
    if exact_energy is not None:
        axis.axhline(exact_energy, color="k", ls="--", lw=1, label="exact")
    axis.set_xlabel("training step")
    axis.set_ylabel("energy")
    axis.legend()
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=120, format="png")
    plt.close(figure)
