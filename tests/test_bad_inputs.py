"""Every row of the bad-input table `docs/bad_inputs.md` gets the answer it documents."""

import pathlib
import re
import shlex
import shutil
import warnings

import numpy as np
import pytest

import kerasnqs
from kerasnqs import zoo
from kerasnqs.cli.main import main
from kerasnqs.lattice import Chain, Square
from kerasnqs.models import MixtureWavefunction, RNNWavefunction
from kerasnqs.operators import J1J2, TFIM, Heisenberg, PauliSum
from kerasnqs.vmc import VMC, estimate, local_values
from kerasnqs.vmc.sign_problem import SignProblemWarning
from kerasnqs.zoo.registry import MODELS_DIR

TABLE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "bad_inputs.md"
_ROW = re.compile(
    r"^\| (\d+) \| `(.+?)` \| (exit 2|ValueError|SignProblemWarning) \| (`+) ?(.+?) ?\4 \|$"
)


def _rows():
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            number, given, gets, _, message = match.groups()
            rows.append(pytest.param(given, gets, message, id=f"{number}-{given[:40]}"))
        elif line.startswith("| ") and not line.startswith(("| #", "|---")):
            raise AssertionError(f"a row of {TABLE.name} does not parse: {line}")
    return rows


ROWS = _rows()


def test_the_table_lists_at_least_fifty_mistakes():
    assert len(ROWS) >= 50


@pytest.fixture(scope="module")
def namespace():
    chain = Chain(4)
    return {
        "np": np,
        "chain": chain,
        "wf": RNNWavefunction(chain, units=4),
        "mix": MixtureWavefunction(chain, n_components=2),
        "H": TFIM(chain, h=1.0),
        **{cls.__name__: cls for cls in (Chain, Square, RNNWavefunction, MixtureWavefunction)},
        **{cls.__name__: cls for cls in (TFIM, Heisenberg, J1J2, PauliSum, VMC)},
        "estimate": estimate,
        "local_values": local_values,
        "zoo": zoo,
        "kerasnqs": kerasnqs,
    }


def _placeholder_file(text, tmp_path):
    """The file a `{...}` placeholder of the table stands for."""
    if text.startswith("toml: "):
        path = tmp_path / "config.toml"
        path.write_text(text[len("toml: ") :] + "\n", encoding="utf-8")
    elif text == "non-UTF-8 file":
        path = tmp_path / "config.toml"
        path.write_bytes("out = 'r\xe9sultats'\n".encode("latin-1"))
    elif text == "damaged .keras":
        path = tmp_path / "model.keras"
        path.write_bytes(b"\x00not a zip archive\x00")
    elif text == "tampered zoo copy":
        path = pathlib.Path(shutil.copytree(MODELS_DIR / "tfim-chain-20-h1", tmp_path / "zoo"))
        metadata = path / "metadata.json"
        metadata.write_text(metadata.read_text().replace('"h": 1.0', '"h": -1.0'))
    else:
        raise AssertionError(f"unknown placeholder {{{text}}}")
    return str(path)


def _argv(command, tmp_path):
    placeholders = {}

    def stand_in(match):
        key = f"PLACEHOLDER{len(placeholders)}"
        placeholders[key] = _placeholder_file(match.group(1), tmp_path)
        return key

    words = shlex.split(re.sub(r"\{(.+?)\}", stand_in, command))[1:]
    return [placeholders.get(word, word) for word in words]


@pytest.mark.parametrize("given, gets, message", ROWS)
def test_bad_input_gets_the_documented_answer(
    given, gets, message, namespace, tmp_path, capsys, monkeypatch
):
    if gets == "exit 2":
        monkeypatch.chdir(tmp_path)
        status = main(_argv(given, tmp_path))
        out, err = capsys.readouterr()
        assert status == 2, err
        assert err.startswith("kerasnqs: error: ") and err.count("\n") == 1, err
        assert message in err
    elif gets == "ValueError":
        with pytest.raises(ValueError) as raised:
            eval(given, dict(namespace))
        assert message in str(raised.value)
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            eval(given, dict(namespace))
        messages = [str(w.message) for w in caught if issubclass(w.category, SignProblemWarning)]
        assert len(messages) == 1 and message in messages[0], messages
