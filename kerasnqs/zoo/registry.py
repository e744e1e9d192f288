"""The names of the pretrained models shipped with kerasnqs, and where their folders are."""

import difflib
import os
import pathlib

MODELS_DIR = pathlib.Path(__file__).resolve().parent / "models"
"""The folder of the shipped models, inside the installed package: one sub-folder per name."""

METADATA_FILE = "metadata.json"


def available():
    """Returns the names of the models shipped in the zoo, sorted.

    A name is a folder of `MODELS_DIR` that holds a `metadata.json`.

    Returns:
        A list of str.

    Example:

    >>> from kerasnqs import zoo
    >>> "tfim-chain-20-h1" in zoo.available()
    True
    """
    if not MODELS_DIR.is_dir():
        return []
    return sorted(
        folder.name
        for folder in MODELS_DIR.iterdir()
        if not folder.name.startswith(".") and (folder / METADATA_FILE).is_file()
    )


def find(name_or_path):
    """Returns the folder of a zoo model given by name or by path.

    An existing folder is taken as it is (a model saved with `kerasnqs.zoo.save`);
    anything else is looked up by name among `available()`.

    Args:
        name_or_path: a zoo name such as `"tfim-chain-20-h1"`, or a folder path (str or
            `os.PathLike`).

    Returns:
        A `pathlib.Path` to a folder holding a `metadata.json`.

    Raises:
        ValueError: for an unknown name (the message lists close matches), or a folder
            without a `metadata.json`.

    Example:

    >>> from kerasnqs.zoo.registry import find
    >>> find("tfim-chain-20-h1").name
    'tfim-chain-20-h1'
    """
    if not isinstance(name_or_path, str | os.PathLike):
        raise ValueError(
            f"`name_or_path` must be a zoo name or a folder path, got {name_or_path!r}."
        )
    if not str(name_or_path).strip():
        raise ValueError(
            f"The zoo model name is empty ({str(name_or_path)!r}): give a name from "
            "`kerasnqs zoo list` or a model folder."
        )
    path = pathlib.Path(name_or_path).expanduser()
    if path.is_dir():
        if not (path / METADATA_FILE).is_file():
            raise ValueError(f"{str(path)!r} is not a zoo model folder: it has no {METADATA_FILE}.")
        return path
    name = os.fspath(name_or_path)
    if name in available():
        return MODELS_DIR / name
    raise ValueError(_unknown_name_message(name))


def _unknown_name_message(name):
    """Says that `name` is neither a zoo name nor a folder, with the closest names."""
    names = available()
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    message = f"{name!r} is neither a zoo model name nor a folder"
    if close:
        return f"{message}; did you mean {', '.join(close)}?"
    return f"{message}; the zoo has: {', '.join(names) or 'no models'}."
