"""`benchmarks/peers.py`'s settings: rows, NetKet overrides, sweeps (no training here)."""

import pytest


@pytest.fixture(scope="module")
def peers(benchmarks_importable):
    import peers

    return peers


def row_recipe(peers, name):
    return {**peers.load_recipe(peers.RECIPES[name]), "seed": 0}


def test_every_row_has_a_budget(peers):
    assert set(peers.SECONDS) == set(peers.RECIPES)
    assert set(peers.SR_ROW_SETTINGS) <= set(peers.RECIPES)
    assert set(peers.SR_ROW_CHOSEN) == set(peers.SR_ROW_SETTINGS)


def test_the_j1j2_rings_test_the_sign_structure(peers):
    rings = {name for name in peers.RECIPES if name.startswith("j1j2")}
    assert rings == {"j1j2-chain-20-j2-0.2", "j1j2-chain-20-j2-0.24", "j1j2-chain-20-j2-0.4"}
    assert peers.SR_ROW_SETTINGS["j1j2-chain-20-j2-0.24"]["phase"] is False
    assert peers.SR_ROW_SETTINGS["j1j2-chain-20-j2-0.4"]["phase"] is True


def test_at_j2_0_4_both_sides_can_carry_a_sign(peers):
    name = "j1j2-chain-20-j2-0.4"
    ours, _ = peers.kerasnqs_settings(name, "kerasnqs-sr", row_recipe(peers, name), {})
    theirs, chosen = peers.netket_settings(name, "rbmsymm-sr", row_recipe(peers, name), {})
    assert ours["phase"] is True
    assert theirs["param_dtype"] == "complex128"
    assert "complex" in chosen


def test_a_grid_point_wins_over_the_row_settings(peers):
    name = "heisenberg-chain-20-pbc"
    recipe = row_recipe(peers, name)
    settings, chosen = peers.kerasnqs_settings(name, "kerasnqs-sr", recipe, {"lr": 0.2})
    assert (settings["lr"], settings["diag_shift"]) == (0.2, 1e-5)
    assert chosen == "by hand: lr=0.2"
    _, chosen = peers.kerasnqs_settings(name, "kerasnqs-sr", recipe, {})
    assert chosen == peers.SR_ROW_CHOSEN[name]


def test_netket_settings_can_be_overridden_per_run(peers):
    name = "heisenberg-chain-20-pbc"
    settings, chosen = peers.netket_settings(name, "rbmsymm-sr", row_recipe(peers, name), {})
    row = peers.NETKET_ROW_SETTINGS[name]
    assert (settings["lr"], settings["diag_shift"]) == (row["lr"], row["diag_shift"])
    assert settings["n_samples"] == peers.netket_peers.SETTINGS["rbmsymm-sr"]["n_samples"]
    assert chosen == peers.NETKET_ROW_CHOSEN[name]
    settings, chosen = peers.netket_settings(
        name, "rbmsymm-sr", row_recipe(peers, name), {"lr": 0.03}
    )
    assert (settings["lr"], settings["diag_shift"]) == (0.03, row["diag_shift"])
    assert chosen == "by hand: lr=0.03"


def test_every_row_names_how_netkets_settings_were_chosen(peers):
    assert set(peers.NETKET_ROW_CHOSEN) == set(peers.NETKET_ROW_SETTINGS)


def test_netket_refuses_a_setting_it_does_not_have(peers):
    with pytest.raises(ValueError, match="'features'"):
        peers.netket_peers.method_settings("rbmsymm-sr", {"features": 16})


def test_the_sweep_grid_defaults_and_overrides(peers):
    assert peers.parse_grid(None, "rbmsymm-sr") == peers.SWEEP_GRIDS["rbmsymm-sr"]
    grid = peers.parse_grid(["lr=0.01,0.02", "diag-shift=1e-2"], "rbmsymm-sr")
    assert grid == {"lr": [0.01, 0.02], "diag_shift": [0.01]}
    assert peers.describe_grid(grid) == "lr {0.01, 0.02} x diag_shift {0.01}"


def test_a_sweep_needs_a_grid(peers):
    with pytest.raises(SystemExit):
        peers.parse_args(["--sweep", "--methods", "gru-adam"])


def test_a_seed_set_by_hand_and_a_seed_count_are_refused_together(peers):
    # `--seeds 1` alone would run seed 0, silently dropping `--set seed=1`.
    with pytest.raises(SystemExit):
        peers.parse_args(["--seeds", "1", "--set", "seed=1"])
    assert dict(peers.parse_args(["--set", "seed=1"]).set) == {"seed": 1}


def test_a_netket_override_is_checked_before_anything_runs(peers):
    with pytest.raises(SystemExit):
        peers.parse_args(["--methods", "rbmsymm-sr", "--set-netket", "units=3"])


def test_the_sr_method_trains_the_tuned_settings_the_rows_were_measured_with(peers):
    # The SR settings live in kerasnqs.recipes.tuned, the defaults a user gets; these are
    # the values the rows' records were measured with (SR_ROW_SETTINGS before the move).
    measured = {
        "tfim-chain-20-h1": (0.05, 1e-4),
        "tfim-chain-50-h0.5": (0.05, 1e-4),
        "heisenberg-chain-20-pbc": (0.05, 1e-5),
        "j1j2-chain-20-j2-0.2": (0.05, 1e-5),
        "tfim-square-4x4-h3": (0.05, 1e-5),
        "heisenberg-square-6x6": (0.1, 1e-5),
    }
    for name, (lr, shift) in measured.items():
        recipe = peers.load_recipe(peers.RECIPES[name])
        settings, _ = peers.kerasnqs_settings(name, "kerasnqs-sr", recipe, {})
        assert (settings["sr"], settings["lr"], settings["diag_shift"]) == (True, lr, shift), name
    adam, _ = peers.kerasnqs_settings(
        "tfim-chain-20-h1",
        "kerasnqs-adam",
        peers.load_recipe(peers.RECIPES["tfim-chain-20-h1"]),
        {},
    )
    assert (adam["sr"], adam["lr"]) == (False, 0.01)
