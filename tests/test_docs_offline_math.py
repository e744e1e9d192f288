"""The documentation renders its formulas offline, and its build checks that it does."""

import importlib
import pathlib
import runpy
import sys

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
offline_math = importlib.import_module("offline_math")

PAGE = '<html><head><script defer="defer" src="{}"></script></head><body></body></html>'


def _site(tmp_path, source, with_file=False):
    (tmp_path / "index.html").write_text(PAGE.format(source))
    if with_file:
        (tmp_path / "_static" / "mathjax").mkdir(parents=True)
        (tmp_path / "_static" / "mathjax" / "tex-chtml.js").write_text("// MathJax")
    return tmp_path


@pytest.mark.parametrize(
    "source",
    [
        "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js",
        "//cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js",
    ],
    ids=["https", "protocol-relative"],
)
def test_a_page_loading_mathjax_from_a_cdn_is_reported(source, tmp_path):
    (problem,) = offline_math.offline_math_problems(_site(tmp_path, source))
    assert "index.html" in problem and "network" in problem


def test_a_page_loading_mathjax_the_build_did_not_write_is_reported(tmp_path):
    (problem,) = offline_math.offline_math_problems(_site(tmp_path, "_static/mathjax/tex.js"))
    assert "not built" in problem


def test_a_page_loading_the_bundled_mathjax_passes(tmp_path):
    site = _site(tmp_path, "_static/mathjax/tex-chtml.js?v=1", with_file=True)
    assert offline_math.offline_math_problems(site) == []


def test_the_documentation_bundles_mathjax_and_checks_it():
    extensions = runpy.run_path(str(DOCS / "conf.py"))["extensions"]
    assert "sphinx-mathjax-offline" in extensions
    assert extensions.index("offline_math") > extensions.index("sphinx.ext.mathjax")


def _build(tmp_path, extensions):
    build_main = pytest.importorskip("sphinx.cmd.build").build_main
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(DOCS / '_ext')!r})\nextensions = {extensions!r}\n"
    )
    (source / "index.rst").write_text("Energy\n======\n\n:math:`E = \\langle E_{loc} \\rangle`\n")
    status = build_main(["-b", "html", "-W", "-q", str(source), str(tmp_path / "html")])
    return status, tmp_path / "html"


def test_a_build_with_the_bundled_mathjax_passes_the_check(tmp_path):
    pytest.importorskip("sphinx-mathjax-offline")
    status, html = _build(
        tmp_path, ["sphinx.ext.mathjax", "sphinx-mathjax-offline", "offline_math"]
    )
    assert status == 0
    (script,) = offline_math.math_scripts((html / "index.html").read_text())
    assert not script.startswith(("http", "//"))
    assert (html / script.split("?")[0]).is_file()


def test_a_build_with_the_default_mathjax_fails_the_check(tmp_path, capsys):
    status, _ = _build(tmp_path, ["sphinx.ext.mathjax", "offline_math"])
    assert status != 0
    assert "loads MathJax from the network" in capsys.readouterr().err
