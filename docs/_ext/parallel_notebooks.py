"""A Sphinx extension that lets `sphinx-build -j N` execute the tutorials in parallel.

Sphinx reads the documents in chunks of consecutive names, one chunk per worker
process at a time, and MyST-NB executes a notebook where it is read. Before the
workers start, in the main process:

- `spread_tutorials` reorders the names so that tutorial `i` falls into chunk
  `i mod n_chunks`: in name order the tutorials are consecutive, and one worker would
  execute them all in turn while the others read API pages. The output does not
  depend on the order.
- `create_execution_cache` creates MyST-NB's jupyter-cache (`nb_execution_cache_path`):
  each worker creates it when missing, and two at once fail with `FileExistsError`.
"""

import jupyter_cache
from sphinx.util.parallel import make_chunks

TUTORIALS = "tutorials/"


def spread(docnames, chunk_sizes, is_tutorial):
    """Reorders `docnames` so that the tutorials go round-robin into the chunks.

    Args:
        docnames: the names to read, a list of str.
        chunk_sizes: the sizes of the consecutive chunks that will be read in
            parallel, summing to `len(docnames)`.
        is_tutorial: a predicate on a name.

    Returns:
        A list of the same names: chunk after chunk, each with its share of the
        tutorials first, then the other names in their original order.
    """
    tutorials = [name for name in docnames if is_tutorial(name)]
    others = [name for name in docnames if not is_tutorial(name)]
    chunks = [[] for _ in chunk_sizes]
    for index, name in enumerate(tutorials):
        # The next chunk with room, starting from index mod n_chunks.
        for offset in range(len(chunks)):
            chunk = (index + offset) % len(chunks)
            if len(chunks[chunk]) < chunk_sizes[chunk]:
                chunks[chunk].append(name)
                break
    for chunk, size in zip(chunks, chunk_sizes, strict=True):
        while len(chunk) < size:
            chunk.append(others.pop(0))
    return [name for chunk in chunks for name in chunk]


def spread_tutorials(app, env, docnames):
    """`env-before-read-docs` handler: reorders `docnames` in place for `-j N > 1`."""
    if app.parallel <= 1 or not docnames:
        return
    sizes = [len(chunk) for chunk in make_chunks(docnames, app.parallel)]
    docnames[:] = spread(list(docnames), sizes, lambda name: name.startswith(TUTORIALS))


def create_execution_cache(app, env, docnames):
    """`env-before-read-docs` handler: creates the execution cache's folder and database."""
    if app.config.nb_execution_mode == "cache" and app.config.nb_execution_cache_path:
        jupyter_cache.get_cache(app.config.nb_execution_cache_path).db  # noqa: B018 (creates it)


def setup(app):
    app.connect("env-before-read-docs", create_execution_cache)
    app.connect("env-before-read-docs", spread_tutorials)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
