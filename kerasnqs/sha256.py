"""sha256 fingerprints of files and of JSON data, as hex strings."""

import hashlib
import json


def file_sha256(path):
    """The sha256 of a file's bytes, as a hex string."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def json_sha256(data):
    """The sha256 of `data` as canonical JSON (sorted keys, no spaces), as a hex string.

    Example:

    >>> json_sha256({"b": 1, "a": [2.5, None]}) == json_sha256({"a": [2.5, None], "b": 1})
    True
    """
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
