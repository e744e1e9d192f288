"""Reading and writing a zoo model folder: Keras config, weights and metadata.

A zoo model is a folder with three files:

- `config.json`: the wavefunction serialized by `keras.saving.serialize_keras_object`;
- `model.weights.h5`: its weights, from `save_weights`;
- `metadata.json`: what the model is and how good it is (see `save` for the keys),
  including the sha256 of the config, of the weights and of the metadata itself,
  checked at every `load` (see `kerasnqs.zoo.metadata`).
"""

import contextlib
import datetime
import json
import math
import os
import pathlib
import platform
import shutil
import tempfile

import keras
import numpy as np

from kerasnqs import operators
from kerasnqs.exact import relative_error
from kerasnqs.models.wavefunction import Wavefunction
from kerasnqs.stats import Stats, v_score
from kerasnqs.zoo import metadata as metadata_lib
from kerasnqs.zoo.metadata import CONFIG_FILE, FORMAT_VERSION, WEIGHTS_FILE
from kerasnqs.zoo.registry import METADATA_FILE, find

N_CHECK_CONFIGS = 8
"""Configurations whose `log_psi` is stored in the metadata, to check a loaded model."""

_ENERGY_KEYS = ("mean", "error_of_mean", "variance", "n_samples")


def load(name_or_path):
    """Loads a zoo model, ready to sample and evaluate.

    The wavefunction is rebuilt from `config.json` in Keras safe mode, and only from a
    class registered by kerasnqs, so loading never runs code from the folder. The
    metadata, the config and the weights are used only if their sha256 match the ones
    recorded in `metadata.json`, and the config's lattice must be the Hamiltonian's.

    Args:
        name_or_path: a zoo name or the path of a zoo model folder.

    Returns:
        The `kerasnqs.models.Wavefunction` with its trained weights.

    Raises:
        ValueError: for an unknown name, another format version, a class that is not a
            kerasnqs wavefunction, or a metadata, config or weights file that is not the
            one recorded (the message names the file).

    Example:

    >>> import kerasnqs
    >>> from kerasnqs import zoo
    >>> wavefunction = zoo.load("tfim-chain-20-h1")
    >>> type(wavefunction).__name__, wavefunction.n_sites
    ('RNNWavefunction', 20)
    >>> stats = kerasnqs.estimate(wavefunction, zoo.hamiltonian("tfim-chain-20-h1"), 1000)
    >>> round(float(stats.mean))
    -25
    """
    folder = find(name_or_path)
    metadata = metadata_lib.read_metadata(folder)
    config = metadata_lib.read_json(folder / CONFIG_FILE)
    metadata_lib.check_config(folder, metadata, config)
    metadata_lib.check_weights(folder, metadata)
    weights = folder / WEIGHTS_FILE
    wavefunction = _deserialize(config, folder / CONFIG_FILE)
    try:
        wavefunction.load_weights(weights)
    except Exception as error:  # h5py and Keras raise many types for a mismatched file.
        raise ValueError(f"cannot load the weights {str(weights)!r}: {error}") from None
    return wavefunction


def save(
    wavefunction,
    hamiltonian,
    path,
    *,
    description,
    energy,
    exact_energy=None,
    exact_source=None,
    recipe=None,
    wall_time_s=None,
    name=None,
    overwrite=False,
):
    """Saves a trained wavefunction as a zoo model folder, to share or load by path.

    The folder is written beside `path` under a temporary name and renamed at the end,
    so an interruption never leaves half a model.

    `metadata.json` holds: `format_version`; `name`; `description`; `hamiltonian`
    (`hamiltonian.get_config()`, lattice included); `model` (`class` and the
    constructor `arguments`, `n_parameters`); `recipe` (as given, for example steps,
    samples, optimizer, learning rate, schedule, seed and the recipe file); `energy`
    (`mean`, `error_of_mean`, `variance`, `n_samples`); `exact_energy`, `exact_source`
    and `relative_error` (`|mean - exact| / |exact|`); `v_score` (`N Var(E) / E^2`,
    `kerasnqs.stats.v_score`); `wall_time_s`; `hardware`
    (platform, processor, machine, CPU count, Python, TensorFlow and Keras versions);
    `kerasnqs_version`; `created` (UTC); `check`, the `log_psi` of a few configurations
    drawn from the model, which a loaded model must reproduce; and `config_sha256`,
    `weights_sha256` and `metadata_sha256` (of the metadata without this key), checked
    by `load` and `info`.

    Args:
        wavefunction: a built `kerasnqs.models.Wavefunction` of a class registered by
            kerasnqs.
        hamiltonian: the `kerasnqs.operators.PauliSum` it was trained for.
        path: the folder to write; its parent must exist.
        description: one or two sentences saying what the model is.
        energy: the estimate of the energy, a `kerasnqs.stats.Stats` or a dict with
            `mean`, `error_of_mean`, `variance` and `n_samples`.
        exact_energy: the exact or reference ground-state energy, or `None`.
        exact_source: where `exact_energy` comes from (e.g. `"free fermions"`).
        recipe: a JSON-serializable dict describing the training, or `None`.
        wall_time_s: the wall time of the training in seconds, or `None`.
        name: the model's name; defaults to the folder's name.
        overwrite: replace an existing folder at `path`. Defaults to `False`.

    Returns:
        The `pathlib.Path` of the folder written.

    Raises:
        FileExistsError: when `path` exists and `overwrite` is `False`.
        ValueError: for an argument of the wrong kind.

    Example:

    >>> import os, shutil, tempfile
    >>> import kerasnqs
    >>> from kerasnqs import zoo
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> chain = Chain(4)
    >>> wavefunction, tfim = RNNWavefunction(chain, units=4), TFIM(chain, h=1.0)
    >>> stats = kerasnqs.estimate(wavefunction, tfim, 1000)
    >>> path = os.path.join(tempfile.mkdtemp(), "my-tfim-4")
    >>> folder = zoo.save(wavefunction, tfim, path, description="An untrained RNN.",
    ...                   energy=stats, exact_energy=-4.758770483, exact_source="free fermions")
    >>> sorted(os.listdir(folder))
    ['config.json', 'metadata.json', 'model.weights.h5']
    >>> zoo.info(path)["name"], zoo.hamiltonian(path) == tfim
    ('my-tfim-4', True)
    >>> shutil.rmtree(os.path.dirname(path))
    """
    _check_save_arguments(wavefunction, hamiltonian, description)
    path = pathlib.Path(path).expanduser()
    if path.exists() and not overwrite:
        raise FileExistsError(17, "A zoo model exists already (pass overwrite=True)", str(path))
    energy = _energy_dict(energy)
    metadata = {
        "format_version": FORMAT_VERSION,
        "name": path.name if name is None else str(name),
        "description": description,
        "hamiltonian": hamiltonian.get_config(),
        "model": _model_description(wavefunction),
        "recipe": recipe,
        "energy": energy,
        "exact_energy": None if exact_energy is None else float(exact_energy),
        "exact_source": exact_source,
        "relative_error": _relative_error(energy["mean"], exact_energy),
        "v_score": v_score(energy["variance"], energy["mean"], wavefunction.n_sites),
        "wall_time_s": None if wall_time_s is None else float(wall_time_s),
        "hardware": _hardware(),
        "kerasnqs_version": _kerasnqs_version(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "check": _check_batch(wavefunction),
    }
    config = keras.saving.serialize_keras_object(wavefunction)
    with _atomic_folder(path, overwrite) as folder:
        _write_json(folder / CONFIG_FILE, config)
        wavefunction.save_weights(folder / WEIGHTS_FILE)
        metadata["config_sha256"] = metadata_lib.file_sha256(folder / CONFIG_FILE)
        metadata["weights_sha256"] = metadata_lib.file_sha256(folder / WEIGHTS_FILE)
        metadata["metadata_sha256"] = metadata_lib.metadata_sha256(metadata)
        _write_json(folder / METADATA_FILE, metadata)
    return path


def check_log_psi(wavefunction, metadata):
    """Returns the largest deviation of `log_psi` from the values stored in `metadata`.

    Args:
        wavefunction: a loaded `kerasnqs.models.Wavefunction`.
        metadata: its metadata dict (see `info`).

    Returns:
        A float: `max |log_psi(configs) - stored|` over the stored configurations.

    Example:

    >>> from kerasnqs import zoo
    >>> from kerasnqs.zoo.model_folder import check_log_psi
    >>> check_log_psi(zoo.load("tfim-chain-20-h1"), zoo.info("tfim-chain-20-h1")) < 1e-5
    True
    """
    check = metadata["check"]
    configs = np.array([[int(spin) for spin in config] for config in check["configs"]], "int32")
    log_psi = np.asarray(wavefunction.log_psi(configs))
    stored = np.asarray(check["log_psi_real"]) + 1j * np.asarray(check["log_psi_imag"])
    return float(np.max(np.abs(log_psi - stored)))


def _write_json(path, data):
    with open(path, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=2, allow_nan=False)
        file.write("\n")


def _deserialize(config, path):
    """Rebuilds a wavefunction from its Keras config: safe mode, kerasnqs classes only."""
    registered = config.get("registered_name") if isinstance(config, dict) else None
    cls = keras.saving.get_registered_object(registered) if registered else None
    if not (
        str(registered).startswith("kerasnqs>")
        and isinstance(cls, type)
        and issubclass(cls, Wavefunction)
    ):
        raise ValueError(
            f"{str(path)!r} does not describe a kerasnqs wavefunction (registered name "
            f"{registered!r}); refusing to load it."
        )
    try:
        return keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # Keras raises many types for a config it cannot read.
        raise ValueError(f"cannot rebuild the model of {str(path)!r}: {error}") from None


def _check_save_arguments(wavefunction, hamiltonian, description):
    if not isinstance(wavefunction, Wavefunction):
        raise ValueError(
            "`wavefunction` must be a kerasnqs.models.Wavefunction, "
            f"got {type(wavefunction).__name__}."
        )
    registered = keras.saving.get_registered_name(type(wavefunction))
    if not registered.startswith("kerasnqs>"):
        raise ValueError(
            f"`wavefunction` must be of a class registered by kerasnqs, got {registered!r}."
        )
    if not isinstance(hamiltonian, operators.PauliSum):
        raise ValueError(
            "`hamiltonian` must be a kerasnqs.operators.PauliSum, "
            f"got {type(hamiltonian).__name__}."
        )
    if hamiltonian.n_sites != wavefunction.n_sites:
        raise ValueError(
            f"`hamiltonian` must act on the wavefunction's {wavefunction.n_sites} sites, "
            f"got {hamiltonian.n_sites}."
        )
    if not isinstance(description, str) or not description.strip():
        raise ValueError(f"`description` must be a non-empty str, got {description!r}.")


def _energy_dict(energy):
    """Returns the energy estimate as a dict with the keys of `Stats.to_dict`."""
    if isinstance(energy, Stats):
        return energy.to_dict()
    if not isinstance(energy, dict) or set(energy) != set(_ENERGY_KEYS):
        raise ValueError(
            f"`energy` must be a kerasnqs.vmc.Stats or a dict with keys {list(_ENERGY_KEYS)}, "
            f"got {energy!r}."
        )
    values = {key: float(np.real(energy[key])) for key in _ENERGY_KEYS[:3]}
    if not all(math.isfinite(value) for value in values.values()):
        raise ValueError(f"`energy` must hold finite numbers, got {energy!r}.")
    return {**values, "n_samples": int(energy["n_samples"])}


def _relative_error(energy, exact_energy):
    if exact_energy is None or exact_energy == 0:
        return None
    return relative_error(energy, exact_energy)


def _model_description(wavefunction):
    arguments = wavefunction.get_config()
    for key in ("name", "trainable"):
        arguments.pop(key, None)
    return {
        "class": keras.saving.get_registered_name(type(wavefunction)),
        "arguments": arguments,
        "n_parameters": int(wavefunction.count_params()),
    }


def _check_batch(wavefunction):
    """A few configurations drawn from the model (as strings of 0 and 1), with their `log_psi`."""
    configs, _ = wavefunction.sample(N_CHECK_CONFIGS, seed=0)
    log_psi = np.asarray(wavefunction.log_psi(configs)).astype(complex)
    return {
        "configs": ["".join(str(spin) for spin in config) for config in np.asarray(configs)],
        "log_psi_real": log_psi.real.tolist(),
        "log_psi_imag": log_psi.imag.tolist(),
    }


def _hardware():
    import tensorflow as tf

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or _cpu_model(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def _cpu_model():
    """The CPU model name from /proc/cpuinfo (Linux), where `platform.processor()` is empty."""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as file:
        for line in file:
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return ""


def _kerasnqs_version():
    import kerasnqs

    return kerasnqs.__version__


@contextlib.contextmanager
def _atomic_folder(path, overwrite):
    """Yields a temporary folder beside `path`, renamed onto `path` when the block succeeds."""
    parent = path.parent
    if not parent.is_dir():
        raise FileNotFoundError(2, "No such folder", str(parent))
    temporary = pathlib.Path(tempfile.mkdtemp(prefix=f".tmp-{path.name}-", dir=parent))
    temporary.chmod(0o755)  # mkdtemp makes it private; a shared model is readable by all.
    try:
        yield temporary
        if overwrite and path.exists():
            old = pathlib.Path(tempfile.mkdtemp(prefix=f".old-{path.name}-", dir=parent))
            os.replace(path, old / path.name)
            os.replace(temporary, path)
            shutil.rmtree(old)
        else:
            os.rename(temporary, path)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary)
