"""Reading a zoo model's metadata and checking that the folder is the one recorded.

This module needs no TensorFlow, so `kerasnqs zoo list` and `kerasnqs zoo info` start
fast; loading the weights is `kerasnqs.zoo.model_folder`'s job.

Integrity: `metadata.json` records the sha256 of `config.json` (`config_sha256`), of
`model.weights.h5` (`weights_sha256`) and of itself (`metadata_sha256`, the sha256 of
the metadata without that key, as canonical JSON: sorted keys, no spaces). `info`
refuses a folder whose metadata does not match its own hash; `load` also refuses a
config or weights file that was changed, and a config whose lattice is not the
Hamiltonian's.
"""

import json

from kerasnqs import operators
from kerasnqs.sha256 import file_sha256, json_sha256
from kerasnqs.zoo.registry import METADATA_FILE, find

FORMAT_VERSION = 1
"""The version of the folder layout and metadata keys; `load` refuses any other."""

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"


def info(name_or_path):
    """Returns the metadata of a zoo model, after checking it against its recorded hash.

    Args:
        name_or_path: a zoo name (see `kerasnqs.zoo.available`) or the path of a folder
            written by `kerasnqs.zoo.save`.

    Returns:
        The dict stored in the folder's `metadata.json` (the keys are listed in
        `kerasnqs.zoo.save`).

    Raises:
        ValueError: for an unknown name, a folder that is not a zoo model, another format
            version than `FORMAT_VERSION`, or a `metadata.json` changed since it was
            saved.

    Example:

    >>> from kerasnqs import zoo
    >>> metadata = zoo.info("tfim-chain-20-h1")
    >>> metadata["hamiltonian"]
    {'name': 'tfim', 'lattice': {'name': 'chain', 'n': 20, 'pbc': False}, 'h': 1.0, 'J': 1.0}
    >>> metadata["energy"]["n_samples"] >= 100_000
    True
    """
    return read_metadata(find(name_or_path))


def hamiltonian(name_or_path):
    """Returns the Hamiltonian a zoo model was trained for.

    Args:
        name_or_path: a zoo name or the path of a zoo model folder.

    Returns:
        A `kerasnqs.operators.PauliSum` (or subclass), rebuilt from the metadata; its
        lattice is the model's.

    Example:

    >>> from kerasnqs import zoo
    >>> zoo.hamiltonian("tfim-chain-20-h1")
    TFIM(lattice=Chain(n=20, pbc=False), h=1.0, J=1.0)
    """
    return operators.from_config(info(name_or_path)["hamiltonian"])


def read_metadata(folder):
    """Reads `folder/metadata.json`, checks its format version and its own sha256."""
    path = folder / METADATA_FILE
    metadata = read_json(path)
    version = metadata.get("format_version") if isinstance(metadata, dict) else None
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{str(path)!r} has format version {version!r}; this kerasnqs reads zoo format "
            f"version {FORMAT_VERSION}."
        )
    _check_recorded(path, metadata.get("metadata_sha256"), metadata_sha256(metadata))
    return metadata


def _model_lattice(config):
    """The lattice config of a serialized model; a wrapper's is its inner model's."""
    while isinstance(config, dict):
        inner = config.get("config", {})
        if not isinstance(inner, dict):
            return None
        if "lattice" in inner:
            return inner["lattice"]
        config = inner.get("wavefunction")  # SymmetricWavefunction wraps another model.
    return None


def check_config(folder, metadata, config):
    """Checks `config.json` against its recorded sha256 and the Hamiltonian's lattice.

    Args:
        folder: the zoo model folder (a `pathlib.Path`).
        metadata: its metadata (see `read_metadata`).
        config: the parsed `config.json`.

    Raises:
        ValueError: naming the file, when the config was changed since it was saved or
            describes another lattice than the Hamiltonian of the metadata.
    """
    path = folder / CONFIG_FILE
    _check_recorded(path, metadata.get("config_sha256"), file_sha256(path))
    lattice = _model_lattice(config)
    expected = metadata["hamiltonian"].get("lattice")
    if lattice != expected:
        raise ValueError(
            f"{str(path)!r} describes a model on the lattice {lattice!r}, but the "
            f"Hamiltonian in {METADATA_FILE} acts on {expected!r}; refusing to load it."
        )


def check_weights(folder, metadata):
    """Checks the weights file against the sha256 recorded in the metadata."""
    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise ValueError(f"the weights file {str(path)!r} is missing.")
    _check_recorded(path, metadata.get("weights_sha256"), file_sha256(path))


def read_json(path):
    """Returns the parsed JSON file at `path`; a `ValueError` naming it if it cannot."""
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except OSError as error:
        raise ValueError(f"cannot read {str(path)!r}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{str(path)!r} is not valid JSON: {error}") from None


def metadata_sha256(metadata):
    """The sha256 of the metadata without its `metadata_sha256` key, as canonical JSON."""
    return json_sha256({key: value for key, value in metadata.items() if key != "metadata_sha256"})


def _check_recorded(path, expected, actual):
    if expected is None:
        raise ValueError(
            f"{METADATA_FILE} records no sha256 of {str(path)!r} (saved by an older "
            "kerasnqs?): save the model again with kerasnqs.zoo.save; refusing to load it."
        )
    if expected != actual:
        raise ValueError(
            f"{str(path)!r} does not match the sha256 recorded in {METADATA_FILE} "
            f"(expected {expected}, got {actual}): it was modified or is corrupted; "
            "refusing to load it."
        )


def recipe(name_or_path):
    """Returns the `kerasnqs.Recipe` a zoo model was trained with.

    Training it again (`kerasnqs.train(zoo.recipe(name))`) reproduces the model. To
    grow a model to a larger lattice, start from its weights (an RNN's weights are
    shared by all sites): `zoo.recipe(name).replace(size=30, init_from=name)`.

    Args:
        name_or_path: a zoo name or the path of a zoo model folder.

    Raises:
        ValueError: if the metadata records no training settings.

    Example:

    >>> from kerasnqs import zoo
    >>> zoo.recipe("tfim-chain-20-h1").replace(size=30, init_from="tfim-chain-20-h1").size
    30
    """
    from kerasnqs.recipes import Recipe

    metadata = info(name_or_path)
    settings = (metadata.get("recipe") or {}).get("settings")
    if not isinstance(settings, dict):
        raise ValueError(
            f"the zoo model {metadata.get('name')!r} records no training settings "
            "(no `recipe.settings` in its metadata.json)"
        )
    return Recipe.from_dict(settings)
