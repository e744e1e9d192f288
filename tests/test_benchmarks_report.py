"""docs/benchmarks.md is generated from the results store (`benchmarks/report.py`)."""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TFIM20 = {
    "system": "tfim",
    "lattice": "chain",
    "size": 20,
    "pbc": False,
    "h": 1.0,
    "j2": 0.0,
    "marshall_sign": False,
    "magnetization": None,
}


@pytest.fixture(scope="module")
def bench(benchmarks_importable):
    """The benchmark scripts `report` and `results`, imported as their scripts import them."""
    import report
    import results

    return report, results


def make_record(results, relative, seed, **fields):
    """A harness record of the 20-site TFIM chain whose exact `<H>` is `relative` off."""
    exact = -25.0
    record = {
        **results.blank(),
        "comparison": "peers",
        "row": "tfim-chain-20-h1",
        "system": TFIM20,
        "n_sites": 20,
        "method": "kerasnqs-sr",
        "label": "kerasnqs RNN 32 + SR",
        "settings": {"units": 32, "lr": 0.05, "diag_shift": 1e-5},
        "how_chosen": "recipe default",
        "seed": seed,
        "budget_seconds": 60,
        "seconds_used": 60.5,
        "steps": 100 + seed,
        "exact_energy": exact,
        "exact_source": "free fermions",
        "exact_expectation": None if relative is None else exact * (1 - relative),
        "exact_expectation_relative_error": relative,
        "machine": {"cpu": "Test CPU", "cores": 2},
        "commit": "abc1234",
        "dirty": False,
        "date": f"2026-12-0{seed + 1}T10:00:00+00:00",
        "provenance": "harness",
    }
    record.update(fields)
    return record


@pytest.fixture
def three_seeds(bench, tmp_path):
    """A store with three seeds of one method: errors 1e-3, 2e-3 and 5e-3."""
    _, results = bench
    for seed, error in enumerate([5e-3, 1e-3, 2e-3]):
        results.write_record(make_record(results, error, seed), tmp_path)
    return tmp_path


def test_the_docs_page_is_what_the_repository_records_give(bench):
    report, results = bench
    page = report.render(results.read_records(results.RESULTS_DIR))
    assert page == (ROOT / "docs" / "benchmarks.md").read_text(), (
        "docs/benchmarks.md differs from the records: run python benchmarks/report.py"
    )


def test_every_record_is_read_back(bench, three_seeds):
    _, results = bench
    records = results.read_records(three_seeds)
    assert sorted(record["seed"] for record in records) == [0, 1, 2]
    assert not list(three_seeds.glob(".*.tmp"))


def test_three_seeds_give_their_median_spread_and_count(bench, three_seeds):
    report, results = bench
    lines, hidden = report.summarize(results.read_records(three_seeds))
    assert len(lines) == 1 and hidden == 0
    line = lines[0]
    assert line["runs"] == 3
    assert line["seeds"] == [0, 1, 2]
    assert line["median"] == pytest.approx(2e-3)
    assert (line["low"], line["high"]) == pytest.approx((1e-3, 5e-3))
    assert line["steps"] == 101


def test_the_page_shows_the_median_spread_and_seeds(bench, three_seeds):
    report, results = bench
    page = report.render(results.read_records(three_seeds))
    assert "| 3 (0, 1, 2) | 101 | exact `<H>` rel. error | 2.0e-3 | 1.0e-3–5.0e-3 |" in page
    assert "3 runs recorded by the harness on 2026-12-01 to 2026-12-03, commit abc1234" in page


def test_an_even_number_of_runs_takes_the_mean_of_the_middle_two(bench, three_seeds):
    report, results = bench
    results.write_record(make_record(results, 4e-3, 3), three_seeds)
    (line,), _ = report.summarize(results.read_records(three_seeds))
    assert line["runs"] == 4
    assert line["median"] == pytest.approx(3e-3)


def test_a_failed_run_is_not_counted_but_named(bench, three_seeds):
    report, results = bench
    failed = make_record(results, None, 3, error="no answer within 1080 s")
    results.write_record(failed, three_seeds)
    records = results.read_records(three_seeds)
    (line,), _ = report.summarize(records)
    assert line["runs"] == 3
    assert "1 failed run not counted" in report.render(records)


def test_older_settings_of_a_method_are_left_out_and_counted(bench, three_seeds):
    report, results = bench
    older = make_record(results, 9e-1, 0, settings={"units": 32, "lr": 0.2}, date="2026-11-01")
    results.write_record(older, three_seeds)
    records = results.read_records(three_seeds)
    (line,), hidden = report.summarize(records)
    assert (line["runs"], hidden) == (3, 1)
    assert line["settings"]["diag_shift"] == 1e-5
    assert "1 older run with other settings in the store, not shown" in report.render(records)


def test_transcribed_numbers_say_where_they_come_from(bench, tmp_path):
    report, results = bench
    provenance = "transcribed from docs/benchmarks.md at commit d67cf65, measured in session 9"
    record = make_record(results, 8e-6, 0, provenance=provenance, date=None, commit=None)
    results.write_record(record, tmp_path, stamp="d67cf65-session9")
    page = report.render(results.read_records(tmp_path))
    assert f"1 run {provenance}." in page
    assert "recorded by the harness" not in page


def test_check_fails_on_a_stale_page_and_passes_on_a_fresh_one(bench, three_seeds, tmp_path):
    report, _ = bench
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nstale\n")
    arguments = ["--results", str(three_seeds), "--out", str(page)]
    assert report.main([*arguments, "--check"]) == 1
    assert report.main(arguments) == 0
    assert report.main([*arguments, "--check"]) == 0


def test_a_record_with_an_unknown_key_is_refused(bench, tmp_path):
    _, results = bench
    with pytest.raises(ValueError, match="outside FIELDS"):
        results.write_record({**make_record(results, 1e-3, 0), "energie": -25.0}, tmp_path)


def netket_record(results, relative, seed, acceptance, distinct):
    notes = [
        f"{distinct} distinct configurations among the estimate's 50000 samples",
        f"Metropolis acceptance {acceptance:.3f} over the run",
    ]
    settings = {"alpha": 4, "lr": 0.05, "diag_shift": 0.01, "n_samples": 1008}
    return make_record(results, relative, seed, method="rbmsymm-sr", settings=settings, notes=notes)


def test_frozen_metropolis_chains_are_named_and_sampler_notes_summarized(bench, tmp_path):
    report, results = bench
    results.write_record(netket_record(results, 0.44, 0, acceptance=0.0, distinct=3), tmp_path)
    results.write_record(netket_record(results, 1e-4, 1, acceptance=0.43, distinct=9000), tmp_path)
    page = report.render(results.read_records(tmp_path))
    assert (
        "1 run ended with frozen Metropolis chains (acceptance below 1% over the run: "
        "lr=0.05, diag_shift=0.01: 3 of 50000 samples distinct)."
    ) in page
    assert "distinct configurations among" not in page
    assert "Metropolis acceptance 0.430" not in page


def test_a_run_pinned_to_fewer_cores_says_so(bench, tmp_path):
    report, results = bench
    machine = {"cpu": "Test CPU", "cores": 2, "cores_used": 1}
    results.write_record(make_record(results, 1e-3, 0, machine=machine), tmp_path)
    page = report.render(results.read_records(tmp_path))
    assert "on Test CPU, 1 of 2 cores." in page


def test_a_newer_table_of_a_row_moves_the_older_one_to_earlier_comparisons(bench, three_seeds):
    report, results = bench
    older = make_record(results, 9e-4, 0, budget_seconds=300, date="2026-11-01T10:00:00+00:00")
    results.write_record(older, three_seeds)
    page = report.render(results.read_records(three_seeds))
    current, earlier = page.split("## Earlier comparisons against NetKet")
    assert "| `tfim-chain-20-h1`, 60 s |" in current
    assert "`tfim-chain-20-h1`, 300 s" not in current
    assert "### TFIM" in earlier and ", 300 s" in earlier


def test_tables_of_a_row_without_dates_all_stay_current(bench, tmp_path):
    report, results = bench
    for seed, budget in enumerate([600, 3600]):
        record = make_record(results, 1e-3, seed, budget_seconds=budget, date=None)
        results.write_record(record, tmp_path, stamp=f"transcribed-{budget}")
    assert report.superseded(report.tables_of(results.read_records(tmp_path))) == []


def test_a_timing_record_shows_its_measured_number(bench, tmp_path):
    report, results = bench
    system = {"system": "tfim", "lattice": "chain", "size": 50, "pbc": False, "h": 1.0}
    record = results.timing_record(
        "median step, one round",
        "s",
        0.275,
        comparison="step-time",
        row="tfim-chain-50-h1",
        system=system,
        method="kerasnqs",
        label="kerasnqs RNN (XLA)",
        settings={"units": 50},
        how_chosen="vmc_step.py's command line",
    )
    assert record["n_sites"] == 50 and record["provenance"] == "harness"
    results.write_record(record, tmp_path)
    (line,), _ = report.summarize(results.read_records(tmp_path))
    assert (line["quantity"], line["median"]) == ("median step, one round (s)", 0.275)


def test_rows_sort_by_their_numbers(bench):
    report, _ = bench
    rows = ["j1j2-chain-20-j2-0.4", "tfim-chain-100", "j1j2-chain-20-j2-0.24", "tfim-chain-25"]
    assert sorted(rows, key=report.natural) == [
        "j1j2-chain-20-j2-0.24",
        "j1j2-chain-20-j2-0.4",
        "tfim-chain-25",
        "tfim-chain-100",
    ]
