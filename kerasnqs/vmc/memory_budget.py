"""The memory budget: batch and chunk sizes of local values from a number of bytes.

Local values need the amplitude of every connected configuration of every sample, so
their working memory grows as `samples * max_conn * (bytes per connected
configuration)`; everything else a Monte Carlo estimate holds (the samples themselves,
the model's weights) is small next to it. `estimate`, `VMC` and the `kerasnqs` command
evaluate the connected configurations in chunks small enough for a memory budget,
`DEFAULT_MEMORY_BUDGET` unless the user gives another one.

The bytes per connected configuration are a model fitted to peak resident memory measured
with `benchmarks/memory.py` (see `benchmarks/NOTES.md`); it errs on the large side.
"""

import math
import numbers
import re

from kerasnqs import validation

DEFAULT_MEMORY_BUDGET = 1024**3
"""One GiB: the default working memory of local values. TensorFlow itself and the model
take about 1 GB more, so a default run stays under 3 GB of resident memory."""

MAX_BATCH_SIZE = 10000
"""The most samples drawn per compiled call: larger batches only delay the first result."""

ESTIMATE_CHUNK_SIZE = 5000
"""The most connected configurations `estimate` evaluates at once, whatever the budget:
larger chunks were never faster in `benchmarks/memory.py` (they leave the CPU caches)."""

BYTES_PER_ESTIMATED_SAMPLE = 64
"""The memory an estimate keeps per sample until its statistics: the local value of each
batch and their concatenation, and the float64 or complex128 deviations and squares of
`kerasnqs.stats.statistics`, counted as 16 bytes each."""

_UNITS = {"": 1, "B": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_BINARY_UNITS = {"KI": 1024, "MI": 1024**2, "GI": 1024**3, "TI": 1024**4}

# Bytes per connected configuration: per hidden unit (of all layers), per site, and fixed;
# without XLA the graph executor keeps many more intermediate tensors alive.
_BYTES_PER_UNIT = {False: 160, True: 64}
_BYTES_PER_SITE = {False: 240, True: 16}
_BYTES_FIXED = {False: 1024, True: 1024}


def parse_memory_budget(memory_budget, name="`memory_budget`"):
    """Returns a memory budget in bytes.

    Args:
        memory_budget: a number of bytes (int or float > 0), or a string such as
            `"1GB"`, `"1.5 GB"`, `"800MB"`, `"2GiB"` or `"500000000"` (units B, KB, MB,
            GB, TB in powers of 1000; KiB, MiB, GiB, TiB in powers of 1024; the `B` may be
            left out), or `None` for `DEFAULT_MEMORY_BUDGET`.
        name: how error messages name the argument (a flag, for the command line).

    Returns:
        The budget as a positive int of bytes.

    Example:

    >>> parse_memory_budget("1.5GB")
    1500000000
    >>> parse_memory_budget("2GiB")
    2147483648
    """
    if memory_budget is None:
        return DEFAULT_MEMORY_BUDGET
    expected = "a positive number of bytes or a size such as '1GB', '800MB' or '2GiB'"
    if isinstance(memory_budget, str):
        match = re.fullmatch(
            r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*", memory_budget
        )
        unit = match.group(2).upper() if match else None
        if unit is not None and unit.endswith("B") and unit != "B":
            unit = unit[:-1]
        factor = _BINARY_UNITS.get(unit, _UNITS.get(unit))
        if factor is None:
            raise ValueError(f"{name} must be {expected}, got {memory_budget!r}.")
        value = float(match.group(1)) * factor
    elif isinstance(memory_budget, numbers.Real) and not isinstance(memory_budget, bool):
        value = float(memory_budget)
    else:
        raise ValueError(f"{name} must be {expected}, got {memory_budget!r}.")
    if not math.isfinite(value) or value < 1:
        raise ValueError(f"{name} must be {expected}, got {memory_budget!r}.")
    return int(value)


def bytes_per_connected_configuration(wavefunction, jit_compile=False):
    """Returns the modelled working memory of one connected configuration, in bytes.

    Mathematical details: `bytes = a * units * depth + b * n_sites + c`: the hidden
    states and the per-step intermediates of every layer, and the configuration itself
    in its several integer copies. The coefficients, with and without XLA, are fitted to
    the measured peak memory of local values of the zoo models and err on the large side
    (`benchmarks/memory.py`, table in `benchmarks/NOTES.md`). A model without `units`
    counts as 64 units.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        jit_compile: whether the local values are compiled with XLA, which reuses buffers
            and needs several times less memory.

    Returns:
        An int of bytes.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> wavefunction = RNNWavefunction(Chain(100), units=48)
    >>> bytes_per_connected_configuration(wavefunction) // 1000  # kB, without XLA
    32
    """
    jit_compile = bool(jit_compile)
    units = getattr(wavefunction, "units", 64) * getattr(wavefunction, "depth", 1)
    return (
        _BYTES_PER_UNIT[jit_compile] * units
        + _BYTES_PER_SITE[jit_compile] * wavefunction.n_sites
        + _BYTES_FIXED[jit_compile]
    )


def samples_that_fit(wavefunction, n_connected, memory_budget=None, jit_compile=False):
    """Returns how many samples fit in the budget when each needs `n_connected` amplitudes.

    The one formula behind every batch and chunk size of the package: `chunk_size_for`
    (local values in training and estimates), `check_training_fits` and the batches of
    the observables.

    Mathematical details: `floor(M / (m * max(n_connected, 1)))`, with the budget `M`
    bytes and `m = bytes_per_connected_configuration(...)`.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        n_connected: the amplitudes each sample needs at once (an operator's `max_conn`;
            1 for the sample itself).
        memory_budget: bytes or a size string, as in `parse_memory_budget`.
        jit_compile: whether the evaluation is compiled with XLA.

    Returns:
        An int >= 0; 0 when not even one sample fits.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> samples_that_fit(RNNWavefunction(Chain(20), units=8), n_connected=20, memory_budget="1MB")
    7
    """
    budget = parse_memory_budget(memory_budget)
    per_sample = bytes_per_connected_configuration(wavefunction, jit_compile) * max(
        int(n_connected), 1
    )
    return budget // per_sample


def chunk_size_for(
    wavefunction, operator, n_samples, memory_budget=None, jit_compile=False, most=None
):
    """Returns the `chunk_size` of local values of `n_samples` samples within a budget.

    Mathematical details: with `m = bytes_per_connected_configuration(...)` and the
    budget `M` bytes, a chunk holds `floor(M / m)` connected configurations, and at least
    the `max_conn` of one sample; when the `n_samples * max_conn` connected configurations
    of all samples fit, they are evaluated together (`None`). Otherwise the samples are
    split into the fewest chunks of whole samples that fit, of equal size.

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        operator: a `kerasnqs.operators.PauliSum` (anything with `max_conn`).
        n_samples: the samples evaluated in one call.
        memory_budget: bytes or a size string (see `parse_memory_budget`); `None` for
            `DEFAULT_MEMORY_BUDGET`.
        jit_compile: whether the local values are compiled with XLA.
        most: an upper bound on the chunk size (for speed), or `None`.

    Returns:
        An int `chunk_size` for `local_values`, or `None` when no chunking is needed.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> chain = Chain(100)
    >>> wavefunction = RNNWavefunction(chain, units=48)
    >>> chunk_size_for(wavefunction, TFIM(chain, h=1.0), 10000, "1GB")
    30400
    >>> chunk_size_for(wavefunction, TFIM(chain, h=1.0), 100, "1GB") is None
    True
    """
    max_conn = int(operator.max_conn)
    if max_conn == 0:
        return None
    fitting = samples_that_fit(wavefunction, max_conn, memory_budget, jit_compile)
    if most is not None:
        fitting = min(fitting, int(most) // max_conn)
    if fitting >= n_samples:
        return None
    # Balance the chunks, so that the last is not mostly padding.
    most_samples = max(1, fitting)
    n_chunks = -(-n_samples // most_samples)
    return -(-n_samples // n_chunks) * max_conn


def batch_size_for(n_samples):
    """Returns the samples drawn per compiled call: `min(n_samples, MAX_BATCH_SIZE)`.

    The samples of a batch take `n_sites` integers each, little next to their local
    values, which `chunk_size_for` bounds; so the batch is bounded only to keep calls
    short.

    Args:
        n_samples: the total number of samples.

    Returns:
        An int.
    """
    return min(int(n_samples), MAX_BATCH_SIZE)


def resolve_chunk_size(
    chunk_size, wavefunction, operator, n_samples, memory_budget=None, jit_compile=False, most=None
):
    """Returns the `chunk_size` to use: the user's, or the budget's for `"auto"`.

    Args:
        chunk_size: `"auto"` (from the memory budget), a positive int (used as given), or
            `None` (every connected configuration at once, unbounded memory).
        wavefunction, operator, n_samples, memory_budget, jit_compile, most: as in
            `chunk_size_for`.

    Returns:
        An int or `None`.

    Raises:
        ValueError: naming `chunk_size` when it is none of the above.
    """
    if isinstance(chunk_size, str) and chunk_size == "auto":
        return chunk_size_for(wavefunction, operator, n_samples, memory_budget, jit_compile, most)
    return validate_chunk_size(chunk_size)


def validate_chunk_size(chunk_size):
    """Returns `chunk_size` (`"auto"`, `None` or an int >= 1), or raises a `ValueError`."""
    if chunk_size is None or (isinstance(chunk_size, str) and chunk_size == "auto"):
        return chunk_size
    if not validation.is_integer(chunk_size, minimum=1):
        raise ValueError(
            f"`chunk_size` must be 'auto', None or an integer >= 1, got {chunk_size!r}."
        )
    return int(chunk_size)


def check_training_fits(
    wavefunction, operator, n_samples, memory_budget=None, jit_compile=False, names=None
):
    """Raises a `ValueError` when a training step cannot stay within the memory budget.

    Mathematical details: with `m = bytes_per_connected_configuration(...)` and the
    budget `M`, the local energies of one sample need its `max_conn` connected
    configurations at once (`max_conn * m <= M`), and the gradient evaluates all
    `n_samples` samples of a step at once (`n_samples * m <= M`).

    Args:
        wavefunction: a `kerasnqs.models.Wavefunction`.
        operator: the Hamiltonian, a `kerasnqs.operators.PauliSum`.
        n_samples: the samples of a training step.
        memory_budget: bytes or a size string, as in `parse_memory_budget`.
        jit_compile: whether the step is compiled with XLA.
        names: how the messages name `(n_samples, memory_budget)`; defaults to the
            Python arguments' names.

    Example:

    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> chain = Chain(20)
    >>> check_training_fits(RNNWavefunction(chain, units=8), TFIM(chain, h=1.0), 10**9)
    Traceback (most recent call last):
    ...
    ValueError: `n_samples` = 1000000000 needs about 7.1 TB for the gradient of a training step (7,104 bytes per sample), above `memory_budget` = 1.07 GB: at most 151,146 samples fit.
    """  # noqa: E501
    samples_name, budget_name = names or ("`n_samples`", "`memory_budget`")
    budget = parse_memory_budget(memory_budget, name=budget_name)
    per_configuration = bytes_per_connected_configuration(wavefunction, jit_compile)
    if samples_that_fit(wavefunction, operator.max_conn, budget, jit_compile) == 0:
        raise ValueError(
            f"The local energy of one sample of {wavefunction.n_sites} sites needs its "
            f"{operator.max_conn:,} connected configurations at once, about "
            f"{format_bytes(per_configuration * int(operator.max_conn))}, above "
            f"{budget_name} = {format_bytes(budget)}: use fewer sites or a larger budget."
        )
    fitting = samples_that_fit(wavefunction, 1, budget, jit_compile)
    if n_samples > fitting:
        raise ValueError(
            f"{samples_name} = {n_samples} needs about "
            f"{format_bytes(per_configuration * n_samples)} for the gradient of a training "
            f"step ({per_configuration:,} bytes per sample), above {budget_name} = "
            f"{format_bytes(budget)}: at most {fitting:,} samples fit."
        )


def check_estimate_fits(n_samples, memory_budget=None, names=None):
    """Raises a `ValueError` when the local values an estimate keeps exceed the budget.

    An estimate keeps `BYTES_PER_ESTIMATED_SAMPLE` bytes per sample for its statistics
    (its batches of samples are bounded separately, by `chunk_size_for`).

    Args:
        n_samples: the samples of the estimate.
        memory_budget: bytes or a size string, as in `parse_memory_budget`.
        names: how the messages name `(n_samples, memory_budget)`.

    Example:

    >>> check_estimate_fits(10**9, "1GB", names=("--samples", "--memory-budget"))
    Traceback (most recent call last):
    ...
    ValueError: --samples = 1000000000 keeps about 64 GB of local values for the statistics (64 bytes per sample), above --memory-budget = 1 GB: at most 15,625,000 samples fit.
    """  # noqa: E501
    samples_name, budget_name = names or ("`n_samples`", "`memory_budget`")
    budget = parse_memory_budget(memory_budget, name=budget_name)
    if n_samples * BYTES_PER_ESTIMATED_SAMPLE > budget:
        raise ValueError(
            f"{samples_name} = {n_samples} keeps about "
            f"{format_bytes(n_samples * BYTES_PER_ESTIMATED_SAMPLE)} of local values for the "
            f"statistics ({BYTES_PER_ESTIMATED_SAMPLE} bytes per sample), above {budget_name} "
            f"= {format_bytes(budget)}: at most {budget // BYTES_PER_ESTIMATED_SAMPLE:,} "
            "samples fit."
        )


def format_bytes(n_bytes):
    """A number of bytes in the decimal unit that reads best, such as `1.07 GB`.

    Example:

    >>> format_bytes(1024**3), format_bytes(512)
    ('1.07 GB', '512 B')
    """
    for unit, factor in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= factor:
            return f"{n_bytes / factor:.3g} {unit}"
    return f"{int(n_bytes)} B"
