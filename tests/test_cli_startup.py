"""`kerasnqs` starts fast and quietly; `import kerasnqs` still registers the Keras classes."""

import os
import pathlib
import subprocess
import sys

import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]

# Runs the command line in a fresh interpreter and reports whether TensorFlow or Keras
# was imported; the exit status is the command's.
_RUN_AND_REPORT = """
import sys
from kerasnqs.cli.main import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit:  # --help
    status = exit.code
heavy = sorted(name for name in ("tensorflow", "keras") if name in sys.modules)
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
sys.exit(status)
"""


def _fresh_process(*args, code=None):
    """Runs `python -c code args` (default: the `kerasnqs` command) as a new user would."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TF_CPP")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "kerasnqs.cli.main"]
    return subprocess.run(
        [*command, *args], cwd=REPOSITORY, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "argv, status",
    [
        (["--help"], 0),
        (["exact", "--size", "8"], 0),
        (["exact", "--system", "heisenberg", "--size", "10", "--pbc"], 0),
        (["zoo", "list"], 0),
        (["zoo", "info", "tfim-chain-20-h1"], 0),
        (["zoo", "recipe", "tfim-chain-20-h1"], 0),
        (["train", "--lr", "inf"], 2),
        (["train", "--units", "0"], 2),
        (["exact", "--size", "x"], 2),
        (["bogus"], 2),
    ],
    ids=[
        "help",
        "exact-tfim",
        "exact-heisenberg",
        "zoo-list",
        "zoo-info",
        "zoo-recipe",
        "lr-inf",
        "units-0",
        "bad-size",
        "bad-command",
    ],
)
def test_light_commands_run_without_tensorflow(argv, status):
    result = _fresh_process(*argv, code=_RUN_AND_REPORT)
    assert result.returncode == status, result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == "HEAVY:", result.stderr
    assert len(lines) == (1 if status == 0 else 2), result.stderr


def test_import_kerasnqs_loads_no_tensorflow():
    code = "import sys, kerasnqs; print([n for n in ('tensorflow', 'keras') if n in sys.modules])"
    assert _fresh_process(code=code).stdout == "[]\n"


def test_subpackages_load_on_first_use():
    code = "import kerasnqs; print(kerasnqs.lattice.Chain(3), kerasnqs.zoo.available()[:1])"
    assert _fresh_process(code=code).stdout == "Chain(n=3, pbc=False) ['heisenberg-chain-20-pbc']\n"


def test_evaluate_prints_no_tensorflow_startup_lines():
    result = _fresh_process("evaluate", "tfim-chain-20-h1", "--samples", "200")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "model:" in result.stdout and "hamiltonian:" in result.stdout


@pytest.mark.parametrize("first", ["kerasnqs", "keras"])
def test_import_kerasnqs_is_enough_to_load_a_saved_vmc(first, tmp_path):
    # Keras finds `kerasnqs>VMC` only in its registry: the classes must be registered
    # whether Keras is imported after kerasnqs (the import hook) or before (at once).
    import kerasnqs
    from kerasnqs.lattice import Chain
    from kerasnqs.models import RNNWavefunction
    from kerasnqs.operators import TFIM

    path = tmp_path / "vmc.keras"
    chain = Chain(3)
    kerasnqs.VMC(RNNWavefunction(chain, units=2), TFIM(chain, h=1.0), n_samples=8).save(path)
    others = [name for name in ("kerasnqs", "keras") if name != first]
    code = (
        f"import {first}\nimport {', '.join(others)}\n"
        f"model = keras.saving.load_model({str(path)!r})\n"
        "print(type(model).__name__, model.wavefunction.n_sites)\n"
    )
    result = _fresh_process(code=code)
    assert result.stdout == "VMC 3\n", result.stderr


_TRAIN_BRIEFLY = """
import kerasnqs
import keras
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM
chain = Chain(4)
vmc = kerasnqs.VMC(RNNWavefunction(chain, units=4), TFIM(chain, h=1.0), n_samples=16)
vmc.compile(optimizer=keras.optimizers.Adam(1e-2))
vmc.fit(epochs=2, steps_per_epoch=3)
"""


def test_a_script_importing_kerasnqs_first_trains_without_tensorflow_startup_lines():
    result = _fresh_process(code=_TRAIN_BRIEFLY)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # Output sent to a file gets one line per epoch, not progress-bar redraws.
    assert "\b" not in result.stdout and "\r" not in result.stdout
    assert result.stdout.count("3/3 - ") == 2, result.stdout


def test_a_user_setting_of_the_tensorflow_log_level_is_respected():
    code = "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '0'\n" + _TRAIN_BRIEFLY
    result = _fresh_process(code=code)
    assert result.returncode == 0, result.stderr
    assert "I0000" in result.stderr  # TensorFlow's informational log, as asked for
