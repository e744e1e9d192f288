"""Sphinx configuration of the kerasnqs documentation."""

import inspect
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import kerasnqs  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

project = "kerasnqs"
author = "the kerasnqs developers"
copyright = "2026, the kerasnqs developers"
release = kerasnqs.__version__
version = kerasnqs.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    # MathJax is copied into the site, so formulas render offline; `offline_math` fails
    # the build if a page would still load it from the network.
    "sphinx-mathjax-offline",
    "offline_math",
    # With `-j N`, the tutorials (executed where they are read) go to different readers.
    "parallel_notebooks",
    "myst_nb",
]

exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# API reference from docstrings (Google style, as in Keras).
autosummary_generate = True
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_inherit_docstrings = False
autodoc_typehints = "none"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# Tutorials are MyST-Markdown notebooks executed at build time; unchanged ones are
# taken from the execution cache. A tutorial that raises fails the build.
nb_execution_mode = "cache"
# KERASNQS_DOCS_SMOKE=1 makes every tutorial run a short version (fewer training steps
# and samples; each tutorial reads the variable), as CI does; the published build runs
# the full ones. The two modes have separate caches: the cache is keyed by the notebook's
# source, which is the same in both, so one mode would otherwise serve the other's outputs.
# A change of the path also makes Sphinx read every page again when the mode changes
# between two builds into the same folder.
SMOKE = os.environ.get("KERASNQS_DOCS_SMOKE") == "1"
# Named here so that `parallel_notebooks` can create it before parallel readers start.
nb_execution_cache_path = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "_build",
    ".jupyter_cache-smoke" if SMOKE else ".jupyter_cache",
)
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]

html_theme = "pydata_sphinx_theme"
html_title = "kerasnqs"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = ["_static"]
html_css_files = ["code_cells.css"]


def _constructor_signature(app, what, name, obj, options, signature, return_annotation):
    """Shows a Keras class's `__init__` arguments; autodoc reads `(*args, **kwargs)` from
    `__new__` otherwise."""
    if what != "class" or signature != "(*args, **kwargs)":
        return None
    parameters = list(inspect.signature(obj.__init__).parameters.values())[1:]
    return str(inspect.Signature(parameters)), return_annotation


def setup(app):
    app.connect("autodoc-process-signature", _constructor_signature)
