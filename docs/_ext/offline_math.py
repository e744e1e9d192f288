"""A Sphinx extension that fails the build if its math needs the network.

`sphinx-mathjax-offline` copies MathJax into the built site (`_static/mathjax/`) and
points `mathjax_path` at it; without it, Sphinx loads MathJax from a CDN and formulas
show as raw LaTeX offline. When the HTML build has finished, `check_offline_math` reads
every built page and raises if one loads MathJax from another host, or from a local path
that the build did not write.
"""

import pathlib
import re

from sphinx.errors import SphinxError

_SCRIPT_SOURCE = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


class OfflineMathError(SphinxError):
    category = "Math needs the network"


def math_scripts(html):
    """The `src` of every `<script>` of a page that loads MathJax.

    Args:
        html: the text of an HTML page.

    Returns:
        A list of str, in page order.
    """
    return [source for source in _SCRIPT_SOURCE.findall(html) if "mathjax" in source.lower()]


def offline_math_problems(outdir):
    """Lists the pages of a built HTML site whose MathJax is not in the site itself.

    Args:
        outdir: the folder of the built site.

    Returns:
        A list of str, one per offending script: the page (relative to `outdir`) and
        the script's `src`, with what is wrong. Empty when every page's MathJax is a
        file of the site.
    """
    outdir = pathlib.Path(outdir)
    problems = []
    for page in sorted(outdir.rglob("*.html")):
        for source in math_scripts(page.read_text(encoding="utf-8", errors="replace")):
            name = page.relative_to(outdir)
            if _REMOTE.match(source):
                problems.append(f"{name}: loads MathJax from the network: {source}")
            elif not (page.parent / source.split("?")[0].split("#")[0]).is_file():
                problems.append(f"{name}: loads MathJax from {source}, which was not built")
    return problems


def check_offline_math(app, exception):
    """`build-finished` handler: raises `OfflineMathError` listing the offending pages."""
    if exception is not None or app.builder.format != "html":
        return
    problems = offline_math_problems(app.outdir)
    if problems:
        shown = "\n  ".join(problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise OfflineMathError(
            "the documentation must render its formulas without network access (bundle "
            f"MathJax with sphinx-mathjax-offline):\n  {shown}{more}"
        )


def setup(app):
    # After sphinx-mathjax-offline, which copies MathJax at `build-finished` too.
    app.connect("build-finished", check_offline_math, priority=900)
    # sphinx-mathjax-offline (0.0.2) sets `mathjax_path` and copies files when the build
    # has finished, which is safe in parallel builds, but its `setup` does not say so, and
    # `sphinx-build -j` (which executes notebooks in parallel) would warn, an error under -W.
    bundled = app.extensions.get("sphinx-mathjax-offline")
    if bundled is not None:
        bundled.parallel_read_safe = bundled.parallel_write_safe = True
    return {"parallel_read_safe": True, "parallel_write_safe": True}
