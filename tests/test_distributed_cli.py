"""`kerasnqs train --distribute`: two logical devices, and two worker processes on localhost."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from kerasnqs.training import load_vmc

QUICK = [
    *("--size", "6", "--steps", "20", "--steps-per-epoch", "10", "--samples", "64"),
    *("--units", "8", "--eval-samples", "4000", "--seed", "3"),
]
TIME_LIMIT = 1800  # seconds for one run (compiling takes minutes on a busy machine)


def kerasnqs_train(*argv, env=None):
    """Starts `kerasnqs train` in a new process (its devices are set before TF starts)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, **(env or {})}
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    return subprocess.Popen(
        [sys.executable, "-m", "kerasnqs.cli.main", "train", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(processes):
    """Waits for the processes (all killed after the time limit); returns their outputs."""
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=TIME_LIMIT)[0])
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return outputs


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def summary(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def weights(path):
    return [w.numpy() for w in load_vmc(str(path)).wavefunction.weights]


@pytest.fixture(scope="module")
def single_process_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("single") / "run"
    [output] = finish([kerasnqs_train(*QUICK, "--out", str(out))])
    assert os.path.exists(out / "summary.json"), output
    return out


@pytest.mark.slow
def test_two_workers_on_localhost_train_one_model_and_only_the_chief_writes(
    single_process_run, tmp_path
):
    out = tmp_path / "run"
    cluster = {"worker": [f"localhost:{port}" for port in free_ports(2)]}
    workers = [
        kerasnqs_train(
            *QUICK,
            "--distribute",
            "multi-worker",
            "--out",
            str(out),
            env={
                "TF_CONFIG": json.dumps(
                    {"cluster": cluster, "task": {"type": "worker", "index": i}}
                ),
                "TMPDIR": str(tmp_path / f"tmp{i}"),
            },
        )
        for i in range(2)
    ]
    for i in range(2):
        os.makedirs(tmp_path / f"tmp{i}")
    outputs = finish(workers)
    assert [w.returncode for w in workers] == [0, 0], outputs
    # Only the chief (worker 0) wrote --out; worker 1 wrote to its private folder.
    assert sorted(os.listdir(tmp_path)) == ["run", "tmp0", "tmp1"]
    [private] = os.listdir(tmp_path / "tmp1")
    np.testing.assert_array_equal(
        np.concatenate([w.ravel() for w in weights(out / "model.keras")]),
        np.concatenate(
            [w.ravel() for w in weights(tmp_path / "tmp1" / private / "run" / "model.keras")]
        ),
    )
    chief, single = summary(out), summary(single_process_run)
    error = np.hypot(chief["energy_error_of_mean"], single["energy_error_of_mean"])
    assert abs(chief["energy"] - single["energy"]) < 5 * error + 0.05 * abs(
        single["exact_energy"] or 0
    )


def test_the_command_line_offers_the_strategies_make_strategy_knows():
    from kerasnqs.recipes.recipe import DISTRIBUTE
    from kerasnqs.vmc.distributed import STRATEGIES

    assert DISTRIBUTE == STRATEGIES


@pytest.mark.slow
def test_mirrored_over_two_logical_devices_trains_from_the_command_line(tmp_path):
    out = tmp_path / "run"
    process = kerasnqs_train(
        *QUICK, "--distribute", "mirrored", "--devices", "2", "--out", str(out)
    )
    [output] = finish([process])
    assert process.returncode == 0, output
    with open(out / "config.json") as f:
        config = json.load(f)
    assert (config["distribute"], config["devices"]) == ("mirrored", 2)
    assert np.isfinite(summary(out)["energy"])
