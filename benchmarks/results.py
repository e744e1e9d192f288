"""The results store: one JSON record per benchmark run, in `benchmarks/results/`.

`peers.py` and `square_cells.py` write a record for every (row, method, seed) they run;
`report.py` reads them all and writes `docs/benchmarks.md`. A record is a flat JSON
object with the keys of `FIELDS` (a key that was not measured is `null`):

- what ran: `comparison` (the kind of table: `"peers"`, `"sweep"`, `"square-cells"`,
  ...), `row`, `system` (the recipe's system keys), `n_sites`, `method`, `label`,
  `settings` (everything else the method was given, without the seed), `how_chosen`
  (how those settings were picked, e.g. `"recipe default"`), `seed`;
- what it cost: `budget_seconds`, `seconds_used` (training, compilation included),
  `estimate_seconds`, `steps`, `n_parameters`;
- what it reached: `energy` and `energy_error` (Monte Carlo, `eval_samples` samples),
  `exact_energy` and `exact_source`, `relative_error`, `exact_expectation` (the
  trained state's `<H>` summed over every configuration, where enumerable) and its
  `exact_expectation_relative_error`, `variance` (of the local energy) and `v_score`;
  a timing benchmark puts its number in `measured` instead (`quantity`, `unit`,
  `value`);
- where and when: `versions`, `machine`, `load_average`, `commit`, `dirty`, `date`,
  `provenance` (`"harness"`, or where a transcribed number comes from), `notes`,
  `error` (the message of a run that failed).

Mathematical details:

    V-score = N Var(E_loc) / E^2 (N sites; Wu et al., Science 386, 296 (2024)).

Records are written atomically (a temporary file in the same folder, then
`os.replace`), so a reader never sees half a record.
"""

import datetime
import json
import math
import os
import pathlib
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
SCHEMA = 1

FIELDS = (
    "schema",
    "comparison",
    "row",
    "system",
    "n_sites",
    "method",
    "label",
    "settings",
    "how_chosen",
    "seed",
    "budget_seconds",
    "seconds_used",
    "estimate_seconds",
    "steps",
    "n_parameters",
    "energy",
    "energy_error",
    "eval_samples",
    "exact_energy",
    "exact_source",
    "relative_error",
    "exact_expectation",
    "exact_expectation_relative_error",
    "variance",
    "v_score",
    "measured",
    "versions",
    "machine",
    "load_average",
    "commit",
    "dirty",
    "date",
    "provenance",
    "notes",
    "error",
)
"""Every key of a record, in the order it is written."""


def blank():
    """Returns a record with every field `None` (and the schema version)."""
    return {**dict.fromkeys(FIELDS), "schema": SCHEMA, "notes": []}


def relative_error(energy, reference):
    """`|E - E_ref| / |E_ref|`, or `None` when either is missing or `E_ref` is zero."""
    if energy is None or not reference:
        return None
    return abs(energy - reference) / abs(reference)


def v_score(variance, energy, n_sites):
    """`N Var(E_loc) / E^2`, or `None` when a factor is missing or `E` is zero.

    Args:
        variance: the variance of the local energy.
        energy: the energy estimate.
        n_sites: the number of sites `N`.

    Returns:
        A float or `None`.
    """
    from kerasnqs.stats import v_score as kerasnqs_v_score

    return kerasnqs_v_score(variance, energy, n_sites)


def count_sites(system):
    """The number of sites of a system (a dict of system keys), without TensorFlow."""
    from kerasnqs.recipes.system import build_lattice

    return build_lattice(system["lattice"], system["size"], system.get("pbc", False)).n_sites


def machine():
    """The CPU model (from `/proc/cpuinfo`, `None` elsewhere), the number of cores, and how
    many of them this process may run on (`cores_used`: fewer under `taskset`)."""
    try:
        with open("/proc/cpuinfo") as file:
            lines = [line for line in file if line.startswith("model name")]
    except OSError:
        lines = []
    cpu = lines[0].split(":", 1)[1].strip() if lines else None
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {"cpu": cpu, "cores": os.cpu_count(), "cores_used": len(usable) if usable else None}


def kerasnqs_versions():
    """The installed versions of kerasnqs, TensorFlow and Keras, read from the packages'
    metadata (without importing them; None for one that is not installed)."""
    from importlib import metadata

    found = {}
    for name in ("kerasnqs", "tensorflow", "keras"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_state():
    """Returns `(commit, dirty)`: the short hash of HEAD and whether tracked files differ.

    Both are `None` outside a git checkout.
    """

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short=10", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit, dirty


def environment():
    """The where-and-when fields of a record made now, on this machine."""
    commit, dirty = git_state()
    return {
        "machine": machine(),
        "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "commit": commit,
        "dirty": dirty,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "provenance": "harness",
    }


def run_record(result, exact, **fields):
    """Builds the record of one training run from the JSON a child printed.

    Args:
        result: the child's dict (`energy`, `energy_error`, `variance`,
            `variational_energy`, `steps`, `train_seconds`, ..., or `error`).
        exact: `(energy, source)` of the row's exact ground state (`energy` may be `None`).
        **fields: the record's other fields (`comparison`, `row`, `system`, `method`,
            `settings`, `how_chosen`, `seed`, `budget_seconds`, ...).

    Returns:
        A record (a dict with the keys of `FIELDS`).
    """
    record = {**blank(), **fields, **environment()}
    record["n_sites"] = count_sites(record["system"])
    record["exact_energy"], record["exact_source"] = exact
    if "error" in result:
        record["error"] = result["error"]
        return record
    copied = ("label", "steps", "n_parameters", "energy", "energy_error", "eval_samples")
    copied += ("variance", "estimate_seconds", "versions")
    record.update({key: result.get(key) for key in copied})
    record["seconds_used"] = result.get("train_seconds")
    record["exact_expectation"] = result.get("variational_energy")
    record["notes"] = list(result.get("notes", []))
    record["relative_error"] = relative_error(record["energy"], exact[0])
    record["exact_expectation_relative_error"] = relative_error(
        record["exact_expectation"], exact[0]
    )
    record["v_score"] = v_score(record["variance"], record["energy"], record["n_sites"])
    for key in FIELDS:
        if isinstance(record[key], float) and not math.isfinite(record[key]):
            record["notes"].append(f"{key} was {record[key]}")
            record[key] = None  # JSON has no NaN
    return record


def timing_record(quantity, unit, value, **fields):
    """Builds the record of a timing benchmark: what it measured goes into `measured`.

    Args:
        quantity: what the number is, e.g. `"median step, 3 alternating rounds"`.
        unit: its unit, e.g. `"s"`.
        value: the number.
        **fields: the record's other fields (`comparison`, `row`, `system`, `method`,
            `label`, `settings`, `how_chosen`, `versions`, `notes`, ...).

    Returns:
        A record (a dict with the keys of `FIELDS`).
    """
    record = {**blank(), **fields, **environment()}
    record["n_sites"] = count_sites(record["system"])
    record["measured"] = {"quantity": quantity, "unit": unit, "value": value}
    return record


def headline(record):
    """The number a table compares for a record, and what it is.

    Returns:
        `(value, kind)`: the measured quantity of a timing record; else the relative
        error of the exact `<H>` where there is one, else that of the Monte Carlo
        estimate; `(None, None)` for a failed run.
    """
    if record.get("error"):
        return None, None
    if record.get("measured"):
        measured = record["measured"]
        return measured["value"], f"{measured['quantity']} ({measured['unit']})"
    if record.get("exact_expectation_relative_error") is not None:
        return record["exact_expectation_relative_error"], "exact <H> rel. error"
    if record.get("relative_error") is not None:
        return record["relative_error"], "MC rel. error"
    return None, None


def file_name(record, stamp=None):
    """`<row>--<method>--seed<k>--<stamp>.json`; `stamp` defaults to the record's date."""
    if stamp is None:
        date = datetime.datetime.fromisoformat(record["date"])
        stamp = date.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    seed = "noseed" if record["seed"] is None else f"seed{record['seed']}"
    return f"{record['row']}--{record['method']}--{seed}--{stamp}.json"


def write_record(record, folder=RESULTS_DIR, stamp=None):
    """Writes one record atomically into `folder`; returns its path.

    A name already taken gets a suffix `-2`, `-3`, ...; no record is overwritten.
    """
    unknown = set(record) - set(FIELDS)
    if unknown:
        raise ValueError(f"`record` has keys outside FIELDS: {sorted(unknown)}")
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = file_name(record, stamp)
    path, count = folder / name, 1
    while path.exists():
        count += 1
        path = folder / name.replace(".json", f"-{count}.json")
    text = json.dumps({key: record.get(key) for key in FIELDS}, indent=1, allow_nan=False)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def read_records(folder=RESULTS_DIR):
    """Reads every `*.json` record in `folder`, sorted by file name.

    Raises:
        ValueError: naming the file, if a record is not valid JSON or lacks a field.
    """
    records = []
    for path in sorted(pathlib.Path(folder).glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from error
        missing = set(FIELDS) - set(record)
        if missing:
            raise ValueError(f"{path}: missing fields {sorted(missing)}")
        records.append(record)
    return records
