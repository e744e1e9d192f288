"""The Transformer wavefunction: a causal decoder-only Transformer on the base class."""

import keras
import numpy as np
from keras import ops

from kerasnqs.lattice import Square
from kerasnqs.lattice.lattice import validate_size
from kerasnqs.layers import LayerNorm, SpinEmbedding, TransformerBlock
from kerasnqs.layers.spin_embedding import START_TOKEN
from kerasnqs.models.autoregressive_wavefunction import AutoregressiveWavefunction


@keras.saving.register_keras_serializable(package="kerasnqs")
class TransformerWavefunction(AutoregressiveWavefunction):
    """An autoregressive Transformer wavefunction, exactly normalized and sampled exactly.

    A causal (decoder-only) Transformer walks the sites in the lattice's
    autoregressive `order` (Zhang & Di Ventra, arXiv 2208.01758). The input at step
    `n` is a `SpinEmbedding` of the spin taken at step `n - 1` (a start token at step
    0) plus learned position embeddings of the site visited at step `n` (its index on
    a chain or any other lattice; its row and its column on a `Square`). `n_layers`
    pre-norm `TransformerBlock`s (masked multi-head self-attention and a feed-forward
    layer, each with a residual connection) and a final `LayerNorm` give the hidden
    vector `h_n`, from which the `SoftmaxHead` gives the conditional probabilities of
    the spin at step `n` and, with `phase=True`, the `SoftsignHead` its phases.

    Mathematical details::

        x_n = E[sigma_{n-1}] + P[site_n]
        h_n = LayerNorm(Block_L(... Block_1(x_0 .. x_n) ...))_n
        P(sigma_n | sigma_<n) = softmax(U h_n + c)[sigma_n]

    Because attention at step `n` reads only steps `<= n`, `h_n` depends on
    `sigma_0 .. sigma_{n-1}` only, so `P` is normalized and sampled exactly; the
    magnetization sector, sampling and `log_psi_of_flips` are those of
    `kerasnqs.models.AutoregressiveWavefunction`. Every step computes one new query,
    key and value per layer and attends over the keys and values of the earlier
    steps, kept in a cache (`(batch, n_heads, n_sites, d_model / n_heads)` per
    layer): a step costs `O(n_sites d_model)` per sample, not a pass over the prefix.
    The same cache is the state copied for the shared prefixes of flipped
    configurations.

    The weights do not depend on the number of sites except the position embeddings
    (one row per site on a chain, per row and per column on a square); the spin
    embedding, the blocks and the heads carry over between lattice sizes.

    Args:
        lattice: a `kerasnqs.lattice.Lattice`.
        d_model: the width of the embeddings and of every block, an integer >= 1.
            Defaults to 32.
        n_heads: attention heads per block, an integer >= 1 dividing `d_model`.
            Defaults to 4.
        n_layers: the number of blocks, an integer >= 1. Defaults to 2.
        phase: add the `SoftsignHead`, making `log_psi` complex. Defaults to `False`.
        magnetization: `None` (the default) or the total `S^z` of the sector.
        dtype: `"float32"` (default) or `"float64"`.
        **kwargs: passed to `keras.Model` (for example `name`).

    Example:

    >>> import numpy as np
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import TransformerWavefunction
    >>> model = TransformerWavefunction(Chain(6), d_model=8, n_heads=2, magnetization=0)
    >>> configs, log_psi = model.sample(4, seed=1)
    >>> [int(n_down) for n_down in configs.numpy().sum(axis=1)]
    [3, 3, 3, 3]
    >>> bool(np.allclose(model.log_psi(configs), log_psi, atol=1e-6))
    True
    """

    segment_length = 10
    """The path runs in loops of 10 steps; a step attends over the keys and values of the
    finished loops and of its own, not over empty slots for the whole path
    (`sample(10,000)` of a 100-site chain: 1.66 s against 3.34 s in one loop)."""

    sample_shard_size = 256
    """`sample` draws at most 256 samples per compiled loop, in concurrent shards: XLA runs
    the cached attention's small loops on one core, and shards of about 250 samples
    were fastest (`benchmarks/attention_step.py`)."""

    def __init__(
        self,
        lattice,
        d_model=32,
        n_heads=4,
        n_layers=2,
        phase=False,
        magnetization=None,
        dtype="float32",
        **kwargs,
    ):
        super().__init__(lattice, phase, magnetization, dtype, **kwargs)
        self.d_model = validate_size("d_model", d_model, minimum=1)
        self.n_heads = validate_size("n_heads", n_heads, minimum=1)
        self.n_layers = validate_size("n_layers", n_layers, minimum=1)
        dtype = self.dtype_policy.name
        grid_shape, self._coordinates = _step_coordinates(self.lattice)
        self.embedding = SpinEmbedding(self.d_model, grid_shape, dtype=dtype, name="embedding")
        self.blocks = [
            TransformerBlock(self.d_model, self.n_heads, dtype=dtype, name=f"block_{i}")
            for i in range(self.n_layers)
        ]
        self.final_norm = LayerNorm(dtype=dtype, name="final_norm")
        self.make_heads()
        self.build()

    def build(self, input_shape=None):
        for layer in (self.embedding, *self.blocks, self.final_norm):
            if not layer.built:
                layer.build((None, self.d_model))
        self.build_heads(self.d_model)
        self.built = True

    def initial_state(self, batch_size):
        """Every block's empty key/value cache of the first segment."""
        length = min(self.segment_length, self.n_sites)
        return tuple(block.initial_cache(batch_size, length) for block in self.blocks)

    def start_segment(self, state, start, length):
        """Every block's cache with the finished segment written and `length` new slots."""
        return tuple(
            block.next_segment(cache, length)
            for block, cache in zip(self.blocks, state, strict=True)
        )

    def step(self, step, state, previous_spin):
        """Embeds the previous spin and the position, runs the blocks and the heads."""
        tokens = ops.where(step > 0, previous_spin, START_TOKEN)
        hidden = self.embedding(tokens, ops.take(self._coordinates, step, axis=0))
        caches = []
        for block, cache in zip(self.blocks, state, strict=True):
            hidden, cache = block(hidden, cache, position=step)
            caches.append(cache)
        logits, phases = self.head_outputs(self.final_norm(hidden))
        return logits, phases, tuple(caches)

    def set_weights_from(self, other):
        """Copies the weights of another `TransformerWavefunction`, possibly of another size.

        Every weight but the position embeddings is independent of the lattice size and
        is copied. Of each position embedding table, the leading rows the two models
        share are copied (the first sites of a chain; the first rows and columns of a
        square) and the others keep their values; so a model of a smaller lattice can
        start a larger one.

        Args:
            other: a `TransformerWavefunction` with the same `d_model`, `n_heads`,
                `n_layers` and `phase`, on a lattice with as many coordinate axes.

        Raises:
            ValueError: if the weights cannot be matched.
        """
        mine, theirs = self.weights, getattr(other, "weights", None)
        same = isinstance(other, TransformerWavefunction) and len(theirs) == len(mine)
        position = {id(table) for table in self.embedding.position_embeddings}
        if same:
            for target, source in zip(mine, theirs, strict=True):
                fits = tuple(target.shape) == tuple(source.shape)
                fits = fits or (id(target) in position and target.shape[1:] == source.shape[1:])
                same = same and fits
        if not same:
            raise ValueError(
                f"cannot take weights of shapes {[tuple(w.shape) for w in theirs or []]} into "
                f"a TransformerWavefunction of shapes {[tuple(w.shape) for w in mine]}: use the "
                "same d_model, n_heads, n_layers, phase and kind of lattice"
            )
        for target, source in zip(mine, theirs, strict=True):
            values = np.array(target.numpy())
            rows = min(target.shape[0], source.shape[0]) if target.shape else None
            if rows is None:
                values = source.numpy()
            else:
                values[:rows] = source.numpy()[:rows]
            target.assign(values)

    def describe(self, brief=False):
        """Returns the sizes, such as `Transformer wavefunction, d_model 32, 4 heads x 2 layers`.

        Args:
            brief: True for the plot-title form, such as `Transformer (d_model 32, 4
                heads, 2 layers)`.

        Returns:
            A str.

        Example:

        >>> from kerasnqs.lattice import Chain
        >>> model = TransformerWavefunction(Chain(6), d_model=8, n_heads=2, n_layers=1)
        >>> model.describe()
        'Transformer wavefunction, d_model 8, 2 heads x 1 layer'
        >>> model.describe(brief=True)
        'Transformer (d_model 8, 2 heads, 1 layer)'
        """
        heads = f"{self.n_heads} head{'s' if self.n_heads != 1 else ''}"
        layers = f"{self.n_layers} layer{'s' if self.n_layers != 1 else ''}"
        if brief:
            return f"Transformer (d_model {self.d_model}, {heads}, {layers})"
        return f"Transformer wavefunction, d_model {self.d_model}, {heads} x {layers}"

    def get_config(self):
        config = super().get_config()
        config.update({"d_model": self.d_model, "n_heads": self.n_heads, "n_layers": self.n_layers})
        return config


def _step_coordinates(lattice):
    """`(grid_shape, coordinates)`: the coordinates `(n_sites, n_axes)` (int32) by step.

    A `Square` has the row and the column of the site; any other lattice the site index.
    """
    sites = np.asarray(lattice.order, dtype=np.int64)
    if isinstance(lattice, Square):
        coordinates = np.stack([sites // lattice.lx, sites % lattice.lx], axis=1)
        return (lattice.ly, lattice.lx), coordinates.astype(np.int32)
    return (lattice.n_sites,), sites[:, None].astype(np.int32)
