"""Writes `docs/benchmarks.md` from the records of the results store (`benchmarks/results/`).

The page has one table per comparison: the records are grouped by their kind of
comparison (`KINDS`) and, for the kinds compared row by row, by row and budget. In a
table each line is one method with one set of settings, summarized over its runs: the
median of the compared number (`results.headline`: a relative error, or a measured
time), its spread (min-max), the number of runs and their seeds. Only the newest
settings of each method are shown (a sweep shows every grid point); older records stay
in the store and are counted under the table. Under each table: the exact energy, and
the dates, commits and machines of its runs, or where transcribed numbers come from. A
row's table that a newer table of the row replaces (`superseded`) moves to a last
section, "Earlier comparisons against NetKet".

Usage:

    python benchmarks/report.py             # writes docs/benchmarks.md
    python benchmarks/report.py --check     # exits 1 if the page is not what the records give
"""

import argparse
import collections
import json
import pathlib
import re
import statistics
import sys

import results

PAGE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"

INTRO = """\
# Benchmarks

This page is generated from the records in `benchmarks/results/` (one JSON file per run
of a method on a system with one seed) by `python benchmarks/report.py`; do not edit it
by hand. `benchmarks/peers.py` and `benchmarks/square_cells.py` write a record for every
run; `python benchmarks/report.py --check` (a test runs it) fails when this page and the
records disagree. `benchmarks/NOTES.md` keeps the history and the reasoning behind the
settings.

What is compared: kerasnqs's autoregressive RNN wavefunctions, trained by variational
Monte Carlo, against NetKet 3.23 on the same systems, and against kerasnqs's own
baselines (a mixture of product states, the Transformer). The comparisons against
NetKet run at equal wall time: each side trains in its own process on the same machine
for the same budget, either one after the other on all its cores or, where the machine
line under a table says "1 of 2 cores", both at once, each pinned to a core of its own
(`taskset`); its clock starts once its model is built and counts compilation (XLA, JAX)
too; training stops at the first step that ends past the budget, and the final
estimate is not counted.

Units: energies are in kerasnqs's units (`S = sigma / 2`; NetKet's Heisenberg energies
are divided by 4). A relative error is `|E - E0| / |E0|` against the exact ground-state
energy (free fermions, Lanczos, or a published exact diagonalization): of the trained
state's `<H>` summed exactly over every configuration where the space (or its `S^z`
sector) has at most 2^20 of them ("exact `<H>`"), else of the Monte Carlo estimate
("MC"). Times are wall-clock seconds on the machine named under each table.

Reading a table: one line per method and settings; "median" is the median over runs
(the mean of the two middle ones for an even number of runs), "min-max" their spread,
"runs (seeds)" how many runs and with which seeds, "V-score" the median of `N Var(E) /
E^2` (N sites; varbench's measure of a state's quality, comparable across methods and
without an exact energy) over the runs that recorded the variance. Numbers from before
the store were transcribed from the hand-written page (commit d67cf65): their tables say
so, and what that page did not record is empty in their records.

To regenerate: `python benchmarks/report.py`.
"""

KINDS = {
    "peers": (
        "Against NetKet at equal wall time",
        True,
        True,
        "`python benchmarks/peers.py`: kerasnqs's RNN with SR (`kerasnqs-sr`; "
        "`kerasnqs-sr-sym` averages it over the spin flip; `kerasnqs-adam` is the row's "
        "zoo recipe with Adam) against NetKet's `RBMSymm` with SR and Metropolis "
        "sampling (`rbmsymm-sr`) and `FastGRUNet1D` with Adam (`gru-adam`). The "
        "settings of each side are in `peers.py` (`SR_ROW_SETTINGS`, "
        "`NETKET_ROW_SETTINGS`) and `netket_peers.py` (`SETTINGS`).",
    ),
    "sweep": (
        "Sweeps of settings",
        True,
        False,
        "`python benchmarks/peers.py --sweep`: each grid point trained once at a short "
        "budget; `--seeds N` then runs the best at the row's full budget (under "
        "'Against NetKet at equal wall time').",
    ),
    "square-cells": (
        "The square lattice's two gated cells",
        True,
        False,
        "`python benchmarks/square_cells.py`: `MDGRUCell` (`gru`) against "
        "`TensorizedGRUCell` (`tensor-gru`) on the open Heisenberg square, SR at equal "
        "wall time.",
    ),
    "default-recipe": (
        "The default recipe against the benchmark recipe",
        True,
        False,
        "`python benchmarks/default_recipe.py`: `kerasnqs train` given only the system "
        "flags (its optimizer, rate and shift chosen by `kerasnqs.recipes.tuned`, 1000 "
        "steps) against `peers.py`'s `kerasnqs-sr` given the same wall time as the "
        "command's training took (the budget of the table).",
    ),
    "accuracy": (
        "Accuracy of the recipes",
        False,
        False,
        "`python benchmarks/accuracy.py`: `kerasnqs train` with one GRU layer, 500 "
        "samples per step, Adam with a cosine decay, seed 0; the rows with a zoo model "
        "train its recipe as it stood then.",
    ),
    "mixture": (
        "Mixture baseline against the RNN",
        False,
        False,
        "`python benchmarks/accuracy.py --table mixture`: the open TFIM chain of 20 "
        "sites, `MixtureWavefunction` (16 product components, 1000 steps) against the "
        "RNN with `kerasnqs train`'s defaults.",
    ),
    "transformer": (
        "The Transformer against the RNN",
        False,
        False,
        "`python benchmarks/transformer.py sampling | steps | equal-time`: the "
        "Transformer (2 blocks, `d_model` 32, 4 heads) against a GRU of 32 units.",
    ),
    "step-time": (
        "Speed of a training step against NetKet",
        False,
        False,
        "`python benchmarks/vmc_step.py --compare netket [--sweep]`: one training step "
        "(sampling, local energies, gradient, Adam) on the open TFIM chain at h = 1, "
        "512 samples, float32; NetKet runs `FastGRUNet1D(layers=2)` with "
        "`ARDirectSampler` in its own process.",
    ),
    "replicas": (
        "Several replicas",
        False,
        False,
        "`python benchmarks/distributed.py`: seconds per training step of the TFIM "
        "chain of 20 sites, GRU 32, on one and two logical devices of the 2-core CPU.",
    ),
    "peers-earlier": (
        "Earlier comparisons against NetKet",
        True,
        True,
        "Tables replaced by a later measurement of their row (every run of the newer table "
        "is more recent than every run of these), and the rows `peers.py` no longer has; "
        "kept for the record, with the settings of their time.",
    ),
}
"""Each kind of comparison: its section title, whether it has one table per row and
budget (else one table for the kind), whether a method shows only its newest settings
(where settings are tuned over time; else every setting is a line), and the sentence
that says what it runs."""

METHOD_ORDER = ("kerasnqs-sr", "kerasnqs-sr-sym", "kerasnqs-adam", "rbmsymm-sr", "gru-adam")

MODELS = {"tfim": "TFIM", "heisenberg": "Heisenberg", "j1j2": "J1-J2"}


def describe_system(system):
    """E.g. `TFIM chain of 20 sites, open, h = 1` for a dict of system keys."""
    lattice = system.get("lattice", "chain")
    boundary = "periodic" if system.get("pbc") else "open"
    name = (
        f"{lattice} of {system['size']} sites" if lattice == "chain" else f"square {system['size']}"
    )
    text = f"{MODELS.get(system.get('system'), '')} {name}, {boundary}".strip()
    if system.get("system") == "tfim":
        text += f", h = {system['h']:g}"
    if system.get("system") == "j1j2":
        text += f", j2 = {system['j2']:g}"
    if system.get("magnetization") == 0:
        text += ", S^z = 0"
    return text[0].upper() + text[1:]


def number(value, quantity):
    """A value for a table: times with 3 digits, errors as `2.0e-3`."""
    if value is None:
        return "-"
    if "(s)" in quantity:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def method_name(record):
    """A method's name for a table: `peers.METHODS`' (the settings say the rest), or the label."""
    import peers

    if record["comparison"] in ("peers", "sweep"):
        return peers.METHODS.get(record["method"], record["label"] or record["method"])
    return record["label"] or record["method"]


def fingerprint(settings):
    return json.dumps(settings, sort_keys=True)


def natural(text):
    """A sort key that puts `chain-25` before `chain-100` and `j2-0.24` before `j2-0.4`."""
    parts = re.split(r"(\d+(?:\.\d+)?)", text)
    return [
        (1, 0, part) if index % 2 == 0 else (0, float(part), "") for index, part in enumerate(parts)
    ]


def newest(record):
    """Sorts records by date; transcribed records (no date) count as the oldest."""
    return record["date"] or ""


def current(records, keep_all):
    """Returns `(shown, hidden)`: the records of each method's newest settings, and the rest.

    Args:
        records: the records of one table.
        keep_all: keep every setting.
    """
    if keep_all:
        return records, []
    latest = {}
    for record in sorted(records, key=newest):
        _, quantity = results.headline(record)
        latest[(record["row"], record["method"], quantity)] = fingerprint(record["settings"])
    shown, hidden = [], []
    for record in records:
        _, quantity = results.headline(record)
        key = (record["row"], record["method"], quantity)
        (shown if latest[key] == fingerprint(record["settings"]) else hidden).append(record)
    return shown, hidden


def summarize(records, keep_all=False):
    """The lines of one table: one per (row, method, quantity, settings).

    Args:
        records: the records of one table (failed runs are left out).
        keep_all: keep every setting, not only each method's newest.

    Returns:
        `(lines, hidden)`: a list of dicts (`row`, `method`, `label`, `settings`,
        `how_chosen`, `quantity`, `runs`, `seeds`, `median`, `low`, `high`, `steps`,
        `v_score`: the median V-score of the runs that recorded one, else None),
        and the number of records left out for older settings.
    """
    valid = [record for record in records if results.headline(record)[0] is not None]
    shown, hidden = current(valid, keep_all)
    groups = collections.defaultdict(list)
    for record in shown:
        _, quantity = results.headline(record)
        groups[(record["row"], record["method"], quantity, fingerprint(record["settings"]))].append(
            record
        )
    lines = []
    for (row, method, quantity, _), group in groups.items():
        values = [results.headline(record)[0] for record in group]
        steps = [record["steps"] for record in group if record["steps"] is not None]
        v_scores = [record["v_score"] for record in group if record.get("v_score") is not None]
        lines.append(
            {
                "row": row,
                "method": method,
                "label": method_name(group[-1]),
                "settings": group[-1]["settings"],
                "how_chosen": "; ".join(sorted({str(record["how_chosen"]) for record in group})),
                "quantity": quantity,
                "runs": len(group),
                "seeds": sorted(record["seed"] for record in group if record["seed"] is not None),
                "median": statistics.median(values),
                "low": min(values),
                "high": max(values),
                "steps": round(statistics.median(steps)) if steps else None,
                "v_score": statistics.median(v_scores) if v_scores else None,
            }
        )
    order = {method: index for index, method in enumerate(METHOD_ORDER)}
    lines.sort(
        key=lambda line: (
            natural(line["row"]),
            order.get(line["method"], 99),
            line["method"],
            natural(fingerprint(line["settings"])),
        )
    )
    return lines, len(hidden)


def settings_text(settings):
    """`key=value` pairs, shortest first-class values (`1e-05`, `true`)."""
    if not settings:
        return "-"
    return ", ".join(
        f"{key}={json.dumps(value) if isinstance(value, bool) else value}"
        for key, value in settings.items()
    )


def table(lines, with_row):
    """The markdown table of `summarize`'s lines."""
    columns = ["method", "settings", "how chosen", "runs (seeds)", "steps", "compared"]
    columns += ["median", "min–max", "V-score"]
    if with_row:
        columns.insert(0, "row")
    text = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for line in lines:
        quantity = line["quantity"].replace("<H>", "`<H>`")
        seeds = ", ".join(str(seed) for seed in line["seeds"])
        spread = "-"
        if line["runs"] > 1:
            spread = f"{number(line['low'], quantity)}–{number(line['high'], quantity)}"
        cells = [
            line["label"],
            settings_text(line["settings"]),
            line["how_chosen"],
            f"{line['runs']} ({seeds})" if seeds else str(line["runs"]),
            "-" if line["steps"] is None else str(line["steps"]),
            quantity,
            number(line["median"], quantity),
            spread,
            "-" if line["v_score"] is None else f"{line['v_score']:.1e}",
        ]
        if with_row:
            cells.insert(0, f"`{line['row']}`")
        text.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return text


def plural(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def describe_machine(machine):
    """E.g. `AMD EPYC, 2 cores` or, for a run pinned with `taskset`, `..., 1 of 2 cores`."""
    used = machine.get("cores_used")
    if used is None or used == machine["cores"]:
        return f"{machine['cpu']}, {machine['cores']} cores"
    return f"{machine['cpu']}, {used} of {machine['cores']} cores"


SAMPLER_NOTE = re.compile(
    r"^(?:(?P<distinct>\d+) distinct configurations among .* (?P<samples>\d+) samples"
    r"|Metropolis acceptance (?P<acceptance>[\d.]+) over the run)$"
)
"""The notes `netket_peers.sampler_notes` writes on every NetKet run: summarized, not listed."""

FROZEN_ACCEPTANCE = 0.01
"""Below this Metropolis acceptance over a run, its chains count as frozen (a stall)."""


def sampler_note(record, group):
    """A number from a record's sampler notes (`SAMPLER_NOTE`'s `group`), or None."""
    for note in record["notes"]:
        match = SAMPLER_NOTE.match(note)
        if match and match.group(group) is not None:
            return float(match.group(group))
    return None


def acceptance(record):
    return sampler_note(record, "acceptance")


def frozen_text(record):
    """E.g. `lr=0.05, diag_shift=0.01: 3 of 50000 samples distinct`."""
    distinct, samples = sampler_note(record, "distinct"), sampler_note(record, "samples")
    settings = record["settings"]
    where = settings_text({k: v for k, v in settings.items() if k in ("lr", "diag_shift")})
    if distinct is None:
        return where
    return f"{where}: {distinct:.0f} of {samples:.0f} samples distinct"


def sources(records, hidden):
    """The sentences under a table: exact energies, where and when its runs were made."""
    text = []
    exact = sorted({(r["exact_energy"], r["exact_source"]) for r in records if r["exact_energy"]})
    if exact:
        text.append(
            "Exact energy: " + "; ".join(f"{e:.6f} ({source})" for e, source in exact) + "."
        )
    harness = [record for record in records if record["provenance"] == "harness"]
    if harness:
        dates = sorted(record["date"][:10] for record in harness)
        commits = sorted(
            {record["commit"] + ("+" if record["dirty"] else "") for record in harness}
        )
        machines = sorted({describe_machine(record["machine"]) for record in harness})
        span = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
        text.append(
            f"{plural(len(harness), 'run')} recorded by the harness on {span}, commit "
            f"{', '.join(commits)}, on {'; '.join(machines)}."
        )
    transcribed = collections.Counter(
        record["provenance"] for record in records if record["provenance"] != "harness"
    )
    for provenance, count in sorted(transcribed.items()):
        text.append(f"{plural(count, 'run')} {provenance}.")
    frozen = [record for record in records if acceptance(record) is not None]
    frozen = [record for record in frozen if acceptance(record) < FROZEN_ACCEPTANCE]
    if frozen:
        text.append(
            f"{plural(len(frozen), 'run')} ended with frozen Metropolis chains (acceptance "
            f"below {FROZEN_ACCEPTANCE:.0%} over the run: "
            + "; ".join(frozen_text(record) for record in frozen)
            + ")."
        )
    notes = sorted(
        {note for record in records for note in record["notes"] if not SAMPLER_NOTE.match(note)}
    )
    if notes:
        text.append("Notes: " + "; ".join(notes) + ".")
    failed = [record for record in records if record["error"]]
    if failed:
        text.append(f"{plural(len(failed), 'failed run')} not counted.")
    if hidden:
        text.append(f"{plural(hidden, 'older run')} with other settings in the store, not shown.")
    return " ".join(text)


def tables_of(records):
    """Groups records into tables: `{(kind, row, budget): records}`, in page order."""
    groups = collections.defaultdict(list)
    for record in records:
        if record["comparison"] not in KINDS:
            raise ValueError(f"unknown comparison {record['comparison']!r} in {record['row']}")
        if KINDS[record["comparison"]][1]:  # one table per row and budget
            key = (record["comparison"], record["row"], record["budget_seconds"] or 0)
        else:
            key = (record["comparison"], "", 0)
        groups[key].append(record)
    for key in superseded(groups):
        groups[("peers-earlier", *key[1:])] = groups.pop(key)
    kinds = list(KINDS)
    return dict(
        sorted(
            groups.items(),
            key=lambda item: (kinds.index(item[0][0]), natural(item[0][1]), item[0][2]),
        )
    )


def superseded(tables):
    """The keys of the peers tables that go under "Earlier comparisons": a retired row's,
    and those a newer table of the same row replaces, one whose every run is more recent
    than every run of theirs (transcribed runs, without a date, count as the oldest)."""
    keys = [key for key in tables if key[0] == "peers"]
    old = []
    for key in keys:
        latest = max(newest(record) for record in tables[key])
        newer = [
            other
            for other in keys
            if other[1] == key[1] and min(newest(r) for r in tables[other]) > latest
        ]
        if newer or retired(key[1]):
            old.append(key)
    return old


def unmeasured_rows(records):
    """The rows of `peers.py` with no record yet."""
    import peers

    measured = {record["row"] for record in records if record["comparison"] == "peers"}
    return [row for row in peers.RECIPES if row not in measured]


def retired(row):
    import peers

    return row not in peers.RECIPES


OVERVIEW = ("kerasnqs-sr", "rbmsymm-sr")
"""The two methods the overview of the comparison against NetKet sets side by side."""


def overview(tables):
    """A table of the peers rows: each `OVERVIEW` method's median (runs), bold the lower."""
    import peers

    text = [
        f"| row, budget | {' | '.join(peers.METHODS[method] for method in OVERVIEW)} | compared |",
        "|---|---|---|---|",
    ]
    for (kind, row, budget), group in tables.items():
        if kind != "peers":
            continue
        lines, _ = summarize(group)
        best = {line["method"]: line for line in lines if line["method"] in OVERVIEW}
        if not best:
            continue
        lowest = min(line["median"] for line in best.values())
        cells = []
        for method in OVERVIEW:
            line = best.get(method)
            if line is None:
                cells.append("-")
                continue
            value = number(line["median"], line["quantity"])
            value = f"**{value}**" if line["median"] == lowest and len(best) > 1 else value
            cells.append(f"{value} ({line['runs']})")
        quantities = sorted({line["quantity"].replace("<H>", "`<H>`") for line in best.values()})
        text.append(f"| `{row}`, {budget:g} s | {' | '.join(cells)} | {', '.join(quantities)} |")
    return text


def peers_summary(records, tables):
    """The lines that open the comparison against NetKet: the overview, unmeasured rows."""
    text = [
        "Where each row stands: the median over runs (their number), the lower in bold; "
        "the tables below give the settings, and where and when the runs were made.",
        "",
    ]
    text += overview(tables)
    if unmeasured_rows(records):
        rows = ", ".join(f"`{row}`" for row in unmeasured_rows(records))
        text += ["", f"Rows of `peers.py` not yet measured: {rows}."]
    return text


def render(records):
    """Returns the page (markdown) for a list of records."""
    page = [INTRO]
    kind = None
    tables = tables_of(records)
    for (this_kind, row, budget), group in tables.items():
        title, per_row, newest_only, what = KINDS[this_kind]
        if this_kind != kind:
            kind = this_kind
            page += [f"## {title}", "", what, ""]
            if kind == "peers":
                page += [*peers_summary(records, tables), ""]
        if per_row:
            heading = f"### {describe_system(group[0]['system'])}, {budget:g} s"
            page += [heading, "", f"Row `{row}`."]
            if this_kind == "peers-earlier" and retired(row):
                page[-1] += " No longer a row of `peers.py` (see `benchmarks/NOTES.md`)."
            page.append("")
        lines, hidden = summarize(group, keep_all=not newest_only)
        page += table(lines, with_row=not per_row)
        page += ["", sources(group, hidden), ""]
    return "\n".join(page).rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(results.RESULTS_DIR), help="the records' folder")
    parser.add_argument("--out", default=str(PAGE), help="the page to write or check")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page differs")
    args = parser.parse_args(argv)
    page = render(results.read_records(args.results))
    out = pathlib.Path(args.out)
    if args.check:
        if not out.exists() or out.read_text() != page:
            print(f"{out} is not what the records give: run python benchmarks/report.py")
            return 1
        print(f"{out} is up to date")
        return 0
    out.write_text(page)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
