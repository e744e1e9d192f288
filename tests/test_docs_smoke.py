"""Every tutorial has the documented short mode of the documentation's CI build."""

import pathlib
import re
import runpy

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
TUTORIALS = sorted(path for path in (DOCS / "tutorials").glob("*.md") if path.name != "index.md")
SMOKE_LINE = 'SMOKE = os.environ.get("KERASNQS_DOCS_SMOKE") == "1"'
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def test_the_tutorials_are_found():
    assert len(TUTORIALS) >= 11, TUTORIALS


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda path: path.stem)
def test_every_tutorial_reads_the_smoke_switch_in_a_visible_cell(path):
    cells = CODE_CELL.findall(path.read_text())
    visible = [cell for cell in cells if "remove-cell" not in cell.split("\n\n")[0]]
    reading = [index for index, cell in enumerate(visible) if SMOKE_LINE in cell.splitlines()]
    assert reading, f"{path.name} has no visible cell with the line {SMOKE_LINE!r}"
    later = "\n".join(visible[reading[0] :]).split(SMOKE_LINE, 1)[1]
    assert re.search(r"\bif (not )?SMOKE\b", later), f"{path.name} never uses SMOKE"


def test_the_two_modes_have_separate_execution_caches(monkeypatch):
    paths = {}
    for value in ("1", "0"):
        monkeypatch.setenv("KERASNQS_DOCS_SMOKE", value)
        paths[value] = runpy.run_path(str(DOCS / "conf.py"))["nb_execution_cache_path"]
    assert paths["1"] != paths["0"]
    assert pathlib.Path(paths["0"]).name == ".jupyter_cache"
