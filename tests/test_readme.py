"""The README's Python example runs and compares with the exact energy."""

import pathlib
import re
import types

import pytest

import kerasnqs
from kerasnqs.stats import Stats

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
EXACT = -25.10779711  # the open TFIM chain of 20 sites at h = 1 (free fermions)

# The example trains for minutes; the slow test runs it shorter. Each replaced text must
# be in the example, so that an edit of the README cannot skip the shortening.
SHORTER = {
    "vmc.fit(epochs=40, steps_per_epoch=25)": "vmc.fit(epochs=1, steps_per_epoch=3, verbose=0)",
    "vmc.estimate(n_samples=50000)": "vmc.estimate(n_samples=2000)",
}


def _python_example():
    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text(), re.DOTALL | re.MULTILINE)
    assert blocks, "the README has no Python example"
    return blocks[0]


def _run(code, capsys):
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})
    return capsys.readouterr().out


def _printed_comparison(out):
    vmc = re.search(r"^VMC: +(-?\d+\.\d+) ± ", out, re.MULTILINE)
    relative = re.search(r"^relative error: (\S+)$", out, re.MULTILINE)
    assert vmc and relative, out
    assert f"exact: {EXACT:.8f} (free fermions)" in out
    return float(vmc.group(1)), float(relative.group(1))


def test_readme_example_prints_the_relative_error_to_the_exact_energy(capsys, monkeypatch):
    # Training and sampling are replaced by a known estimate: what is checked is the
    # example's code and its comparison with `kerasnqs.exact`.
    estimate = Stats(mean=-25.09, error_of_mean=1e-3, variance=0.02, n_samples=20000)
    monkeypatch.setattr(kerasnqs.VMC, "fit", lambda self, **kwargs: None)
    monkeypatch.setattr(kerasnqs.VMC, "estimate", lambda self, n_samples: estimate)
    energy, relative = _printed_comparison(_run(_python_example(), capsys))
    assert energy == -25.09
    assert relative == pytest.approx(abs(-25.09 - EXACT) / abs(EXACT), rel=0.05)


@pytest.mark.slow
def test_readme_example_trains_and_compares_with_the_exact_energy(capsys):
    code = _python_example()
    for long, short in SHORTER.items():
        assert long in code, f"the README example changed: {long!r} is not in it"
        code = code.replace(long, short)
    out = _run(code, capsys)
    assert "N=2000]" in out
    energy, relative = _printed_comparison(out)
    assert relative == pytest.approx(abs(energy - EXACT) / abs(EXACT), rel=0.06, abs=1e-7)


def _readme_commands():
    blocks = re.findall(r"^```bash\n(.*?)^```", README.read_text(), re.DOTALL | re.MULTILINE)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_commands_word_for_word_and_in_order():
    # The main job, the test command and the documentation build; not the slow tests.
    ci_lines = (README.parent / ".ci" / "run").read_text().splitlines()
    wanted = [command for command in _readme_commands() if "-m slow" not in command]
    assert len(wanted) == 3, wanted
    positions = [ci_lines.index(command) for command in wanted]
    assert positions == sorted(positions)


def test_readme_recipe_example_trains_the_default_recipe(capsys, monkeypatch):
    # The second example is the first one as a recipe: the same settings, which are
    # `kerasnqs.Recipe`'s defaults; `kerasnqs.train` is replaced by a known run.
    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text(), re.DOTALL | re.MULTILINE)
    trained = []
    estimate = Stats(mean=-25.1, error_of_mean=1e-3, variance=0.02, n_samples=50000)

    def train(recipe, **kwargs):
        trained.append(recipe)
        return types.SimpleNamespace(energy=estimate, relative_error=3e-4, v_score=3e-4)

    monkeypatch.setattr(kerasnqs, "train", train)
    out = _run(blocks[1], capsys)
    assert trained == [kerasnqs.Recipe()]
    assert out.startswith("VMC: -25.1") and "relative error 3.0e-04" in out
