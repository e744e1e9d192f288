"""`load_vmc`: a saved `kerasnqs.VMC`, with a clear error for anything else."""

import os
import zipfile


def load_vmc(path):
    """Loads a saved `kerasnqs.VMC` (safe mode), with a clear error for anything else.

    Args:
        path: a `.keras` file, such as the `model.keras` of a training run.

    Returns:
        The `kerasnqs.VMC`, compiled with its optimizer.

    Raises:
        ValueError: for a path that is not a `.keras` file holding a `kerasnqs.VMC`.
        FileNotFoundError, IsADirectoryError: for a path that is no file.
    """
    if not path.endswith(".keras"):
        raise ValueError(f"MODEL must be a .keras file, got {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(21, "Is a folder, not a .keras file", path)
    if not os.path.isfile(path):
        raise FileNotFoundError(2, "No such file", path)
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path!r} is not a .keras file (a zip archive written by Keras): it is damaged "
            "or of another format"
        )
    import keras

    import kerasnqs

    try:
        model = keras.saving.load_model(path)
    except Exception as error:  # Keras raises many types for a file it cannot read.
        raise ValueError(f"cannot load {path!r}: {error}") from None
    if not isinstance(model, kerasnqs.VMC):
        raise ValueError(
            f"{path!r} holds a {type(model).__name__}, not a kerasnqs.VMC: it has no "
            "Hamiltonian recorded with it"
        )
    return model
