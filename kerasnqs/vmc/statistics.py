"""The former home of `Stats` and `statistics`, now `kerasnqs.stats`.

Kept so that `from kerasnqs.vmc.statistics import Stats` in user code, and objects
pickled under this module name, keep working.
"""

from kerasnqs.stats import Stats, statistics

__all__ = ["Stats", "statistics"]
