"""The files of a run folder, written so that an interruption never leaves half a file.

A run folder (`kerasnqs.train(recipe, out=DIR)`, `kerasnqs train --out DIR`) holds
`RUN_FILES`. Every file is written
beside its final name under a hidden temporary name and moved onto that name only once
complete (`atomic_path`), so a crash leaves either the old file or the new one, never a
mixture. Files get the permissions of the user's umask, as any other new file.
"""

import contextlib
import csv
import fcntl
import json
import os
import uuid
import zipfile

CONFIG = "config.json"
HISTORY = "history.csv"
PLOT = "energy.png"
MODEL = "model.keras"
SUMMARY = "summary.json"
CHECKPOINT = "checkpoint.keras"
RUN_FILES = (CONFIG, HISTORY, PLOT, MODEL, SUMMARY, CHECKPOINT)
"""Every file a training run writes in its folder."""

TRAINING_CHOICE = "training_choice"
"""The key of `config.json` that says how the settings the user left open were chosen
(`kerasnqs.Recipe.training_choice`)."""

FINGERPRINT = "settings_sha256"
"""The key of `config.json` that records the fingerprint of the run's recipe
(`kerasnqs.Recipe.fingerprint`), by which `--resume` tells an edited `config.json`."""

CHECKPOINT_SETTINGS = "kerasnqs_settings.json"
"""The entry of `checkpoint.keras` (a zip archive, as every `.keras` file) that holds the
settings of the run that wrote it, so that `--resume` can tell a checkpoint of another run."""

_TEMPORARY_PREFIX = ".tmp-"
LOCK = ".kerasnqs.lock"
"""The lock file of a run folder, there only while a run writes in it (`RunLock`)."""


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`, moved onto `path` only when the block succeeds.

    The block creates the file at the temporary path (with any writer: `open`, Keras,
    Matplotlib); it is flushed to disk and renamed onto `path` in one step, so `path`
    always holds a complete file. If the block fails, the temporary file is removed and
    `path` is left as it was; an `OSError` (a full disk, say) becomes a `ValueError`
    naming `path`.

    Args:
        path: the final file path.

    Yields:
        A path in the same folder that does not exist yet and ends with the same name
        (so with the same suffix, such as `.keras`).

    Example:

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> with atomic_path(path) as temporary, open(temporary, "w") as file:
    ...     _ = file.write("complete")
    >>> open(path).read()
    'complete'
    """
    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f"{_TEMPORARY_PREFIX}{uuid.uuid4().hex[:12]}-{name}")
    try:
        yield temporary
        _flush_to_disk(temporary)
        os.replace(temporary, path)
        _flush_to_disk(folder)
    except OSError as error:  # A full disk, a folder made read-only, ...
        raise ValueError(f"cannot write {os.fspath(path)!r}: {error.strerror or error}") from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _flush_to_disk(path):
    """`fsync`s a file or a folder (the folder holds the rename); a no-op where unsupported."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_json(path, data):
    """Writes `data` as indented JSON to `path` atomically."""
    with atomic_path(path) as temporary, open(temporary, "w") as file:
        json.dump(data, file, indent=2, sort_keys=True)
        file.write("\n")


def read_json(path, what):
    """Reads a JSON file; `what` names it in the `ValueError` raised when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {what} {path!r}: {error}") from None


def write_history(path, rows):
    """Writes the training history as CSV atomically, one row per epoch.

    The columns are `epoch` (from 0), `step` (the training steps done at the end of the
    row's epoch; fewer than a full epoch for one cut short) and then the logged metrics
    in alphabetical order. Numbers are written with all their digits, so reading the
    file back (`read_history`) gives the same floats.

    Args:
        path: the CSV file.
        rows: a list of dicts with `epoch`, `step` and the metrics of each epoch.
    """
    metrics = sorted({key for row in rows for key in row} - {"epoch", "step"})
    with atomic_path(path) as temporary, open(temporary, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["epoch", "step", *metrics], restval="")
        writer.writeheader()
        writer.writerows({key: repr(value) for key, value in row.items()} for row in rows)


def add_json_to_archive(path, name, data):
    """Adds `data` as the JSON entry `name` to the zip archive `path` (a `.keras` file).

    Keras reads only the entries it wrote, so the file still loads as before.
    """
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(name, json.dumps(data, indent=2, sort_keys=True) + "\n")


def read_json_from_archive(path, name):
    """The JSON entry `name` of the zip archive `path`, or None if it has no such entry.

    Raises:
        ValueError: if `path` is not a readable zip archive or the entry is not JSON.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            if name not in archive.namelist():
                return None
            return json.loads(archive.read(name))
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"cannot read {path!r}: {error}") from None


def read_history(path):
    """Reads a history written by `write_history`; returns its rows as dicts of numbers."""
    try:
        with open(path, newline="", encoding="utf-8") as file:
            return [_parse_history_row(row) for row in csv.DictReader(file)]
    except (OSError, ValueError, TypeError) as error:
        raise ValueError(f"cannot read the history {path!r}: {error}") from None


def _parse_history_row(row):
    parsed = {key: float(value) for key, value in row.items() if value != ""}
    parsed["epoch"], parsed["step"] = int(row["epoch"]), int(row["step"])
    return parsed


def check_out(out, overwrite=False):
    """Refuses a run folder `out` that holds another run, unless `overwrite`.

    Args:
        out: the folder, the value of `--out`.
        overwrite: the value of `--overwrite`.

    Returns:
        The names of the other run's files in `out` (`RUN_FILES` present).

    Raises:
        ValueError: if `out` holds files of a run and `overwrite` is false.
    """
    found = [name for name in RUN_FILES if os.path.lexists(os.path.join(out, name))]
    if found and not overwrite:
        raise ValueError(
            f"--out {out!r} holds another run ({', '.join(found)}): continue it with "
            f"`kerasnqs train --resume {out}`, choose another --out, or pass --overwrite "
            "to replace it"
        )
    return found


def prepare_out(out, overwrite=False):
    """Creates the run folder `out` for a new run, after `check_out`.

    With `overwrite`, the files of the other run are removed first, so that the folder
    never mixes files of two runs; temporary files left by a crash are removed too.
    Other files are left alone.

    Args:
        out: the folder, the value of `--out`.
        overwrite: the value of `--overwrite`.
    """
    os.makedirs(out, exist_ok=True)
    for name in check_out(out, overwrite):
        os.remove(os.path.join(out, name))
    remove_temporary_files(out)


def remove_temporary_files(out):
    """Removes the temporary files that a crash inside `atomic_path` left in `out`."""
    for name in os.listdir(out):
        if name.startswith(_TEMPORARY_PREFIX):
            os.remove(os.path.join(out, name))


class RunLock:
    """Holds the lock of a run folder, so that only one run writes in it at a time.

    Entering creates the folder if needed and takes an exclusive `fcntl.flock` on its
    `LOCK` file, which records the holder's process id; leaving removes the file and
    releases the lock (the operating system releases it too if the process dies), and
    removes the folder again if it created it and it is still empty. A lock file left
    by a killed run is taken over.

    Args:
        folder: the run folder.
        flag: the flag that named it, for the messages (`"--out"` or `"--resume"`).

    Raises:
        ValueError: on entering, if the folder cannot be created or written, or if
            another process holds its lock.

    Example:

    >>> import os, tempfile
    >>> folder = os.path.join(tempfile.mkdtemp(), "run")
    >>> with RunLock(folder):
    ...     os.listdir(folder)
    ['.kerasnqs.lock']
    >>> os.path.exists(folder)
    False
    """

    def __init__(self, folder, flag="--out"):
        self.folder = folder
        self.flag = flag
        self._path = os.path.join(folder, LOCK)
        self._descriptor = None
        self._created = False

    def __enter__(self):
        self._created = not os.path.isdir(self.folder)
        try:
            os.makedirs(self.folder, exist_ok=True)
        except OSError as error:
            raise ValueError(
                f"{self.flag} {self.folder!r}: cannot create the folder: {error.strerror}"
            ) from None
        try:
            self._descriptor = self._lock()
        except BaseException:
            self._remove_created_folder()
            raise
        return self

    def _lock(self):
        while True:  # until the file locked is the one at the path (see __exit__)
            try:
                descriptor = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as error:
                raise ValueError(
                    f"{self.flag} {self.folder!r}: cannot write in the folder: {error.strerror}"
                ) from None
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(descriptor, 32).decode("ascii", "replace").strip()
                os.close(descriptor)
                raise ValueError(
                    f"{self.flag} {self.folder}: another kerasnqs run is writing here (lock "
                    f"held by pid {holder or 'unknown'})"
                ) from None
            if _same_file(descriptor, self._path):
                os.ftruncate(descriptor, 0)
                os.write(descriptor, f"{os.getpid()}\n".encode("ascii"))
                return descriptor
            os.close(descriptor)  # Its holder removed it as we opened it: try again.

    def __exit__(self, *exc_info):
        # Removed before it is unlocked: a run waiting on this file sees it is gone.
        os.remove(self._path)
        os.close(self._descriptor)
        self._descriptor = None
        self._remove_created_folder()
        return False

    def _remove_created_folder(self):
        if self._created:
            with contextlib.suppress(OSError):
                os.rmdir(self.folder)  # only if empty: a run that failed before writing


def _same_file(descriptor, path):
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(path))
    except FileNotFoundError:
        return False
