"""The parallel documentation build gives the executed tutorials to different readers."""

import importlib
import pathlib
import sys

import pytest
from sphinx.util.parallel import make_chunks

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
parallel_notebooks = importlib.import_module("parallel_notebooks")


def _is_tutorial(name):
    return name.startswith("tutorials/")


@pytest.mark.parametrize("n_tutorials, n_others, n_jobs", [(12, 85, 2), (3, 10, 4), (5, 0, 2)])
def test_tutorials_go_round_robin_into_the_parallel_chunks(n_tutorials, n_others, n_jobs):
    # In name order the tutorials are consecutive and would fill one chunk (one reader).
    names = sorted(
        [f"api/{i:03d}" for i in range(n_others)]
        + [f"tutorials/{i:02d}" for i in range(n_tutorials)]
    )
    sizes = [len(chunk) for chunk in make_chunks(names, n_jobs)]
    spread = parallel_notebooks.spread(names, sizes, _is_tutorial)
    assert sorted(spread) == names
    counts, start = [], 0
    for size in sizes:
        counts.append(sum(map(_is_tutorial, spread[start : start + size])))
        start += size
    # Every chunk holds its share: as many tutorials as can be spread evenly.
    assert max(counts) - min(counts) <= 1 or min(counts) == min(sizes)


def test_the_order_is_left_alone_without_parallel_reading():
    class App:
        parallel = 1

    names = ["tutorials/01", "api/a", "tutorials/02"]
    parallel_notebooks.spread_tutorials(App(), None, names)
    assert names == ["tutorials/01", "api/a", "tutorials/02"]
