"""Where the Transformer's sampling time goes: cached attention, step by step, under XLA.

Run from the repository root, niced on a shared machine:

    nice -n 19 python benchmarks/attention_step.py [--batch 10000] [--variants ...]

Each variant runs the sampling loop of a 2-block, `d_model` 32, 4-head Transformer over
a 100-site chain (random weights, plain TensorFlow, one `tf.while_loop` compiled with
XLA as `TransformerWavefunction.sample` is), and differs only in its attention:

- `no-attention`: the dense layers, layer norms and residuals alone (the floor);
- `masked-cache`: what `CausalSelfAttention` does: a `where` writes the new key and
  value into a cache of all `n_sites` positions, and the query attends over all of them,
  the unwritten ones masked;
- `masked-no-write`: the same without the cache write (what the write costs);
- `written-blocks`: the loop split into blocks of `--block` steps, each a `while_loop`
  with static shapes; only the current block's cache is rewritten, and the query
  attends over the written blocks only.

With `--shards S`, the batch is split into `S` equal shards, each run by the same
XLA-compiled loop, called from one `tf.function` without XLA: TensorFlow's inter-op
threads run independent shards at the same time.

Prints the median and the fastest of three runs after a compiling one.
"""

import argparse
import functools
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

N_SITES, N_HEADS, HEAD_DIM, N_BLOCKS = 100, 4, 8, 2
D_MODEL = N_HEADS * HEAD_DIM


def random_weights(seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"qkv": (D_MODEL, 3 * D_MODEL), "out": (D_MODEL, D_MODEL)}
    shapes.update({"ffn": (D_MODEL, 4 * D_MODEL), "ffn_out": (4 * D_MODEL, D_MODEL)})

    def block():
        return {
            name: tf.constant(0.2 * rng.normal(size=shape), tf.float32)
            for name, shape in shapes.items()
        }

    return [block() for _ in range(N_BLOCKS)]


def layer_norm(x):
    mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
    return (x - mean) * tf.math.rsqrt(variance + 1e-5)


def heads(x):
    return tf.reshape(x, (-1, N_HEADS, HEAD_DIM))


def attend(query, keys, values, visible):
    """Softmax attention `(batch, heads, head_dim)` over `keys`/`values` `(b, h, length, d)`."""
    scores = tf.einsum("bhd,bhld->bhl", query, keys) / HEAD_DIM**0.5
    scores = tf.where(visible, scores, -1e9)
    return tf.einsum("bhl,bhld->bhd", tf.nn.softmax(scores), values)


def masked_cache_attention(write):
    def attention(qkv, cache, step, done):
        query, key, value = (heads(t) for t in tf.split(qkv, 3, axis=-1))
        keys, values = cache
        if write:
            here = tf.reshape(tf.range(N_SITES) == step, (1, 1, N_SITES, 1))
            keys = tf.where(here, key[:, :, None], keys)
            values = tf.where(here, value[:, :, None], values)
        visible = tf.reshape(tf.range(N_SITES) <= step, (1, 1, N_SITES))
        return attend(query, keys, values, visible), (keys, values)

    return attention


def block_attention(qkv, cache, step, done):
    """Attends over the finished blocks (`done`, read-only) and the current block (`cache`).

    The scores of the two parts are joined, not their keys and values: joining the
    cache would copy all of it at every step.
    """
    query, key, value = (heads(t) for t in tf.split(qkv, 3, axis=-1))
    keys, values = cache
    block = keys.shape[2]
    start = done[0].shape[2]
    here = tf.reshape(tf.range(block) == step - start, (1, 1, block, 1))
    keys = tf.where(here, key[:, :, None], keys)
    values = tf.where(here, value[:, :, None], values)
    scores = tf.einsum("bhd,bhld->bhl", query, keys)
    if start:
        scores = tf.concat([tf.einsum("bhd,bhld->bhl", query, done[0]), scores], axis=-1)
    visible = tf.reshape(tf.range(start + block) < step + 1, (1, 1, start + block))
    weights = tf.nn.softmax(tf.where(visible, scores / HEAD_DIM**0.5, -1e9))
    attended = tf.einsum("bhl,bhld->bhd", weights[..., start:], values)
    if start:
        attended += tf.einsum("bhl,bhld->bhd", weights[..., :start], done[1])
    return attended, (keys, values)


def no_attention(qkv, cache, step, done):
    query, key, value = (heads(t) for t in tf.split(qkv, 3, axis=-1))
    return query + key + value, cache


def sampling_loop(attention, batch, block, weights):
    """A compiled function running the 100 steps; returns a checksum per sample."""
    block = N_SITES if attention is not block_attention else block

    def zeros(length):
        return tf.zeros((batch, N_HEADS, length, HEAD_DIM))

    @tf.function(jit_compile=True)
    def run(start_value):
        x, total = tf.fill((batch, D_MODEL), start_value), tf.zeros((batch,))
        done = [(zeros(0), zeros(0)) for _ in weights]
        for start in range(0, N_SITES, block):

            def body(step, x, caches, total, done=done):
                new_caches = []
                for w, cache, finished in zip(weights, caches, done, strict=True):
                    attended, cache = attention(layer_norm(x) @ w["qkv"], cache, step, finished)
                    x = x + tf.reshape(attended, (-1, D_MODEL)) @ w["out"]
                    x = x + tf.nn.gelu(layer_norm(x) @ w["ffn"]) @ w["ffn_out"]
                    new_caches.append(cache)
                return step + 1, 0.5 * x, tuple(new_caches), total + x[:, 0]

            caches = tuple((zeros(block), zeros(block)) for _ in weights)
            _, x, caches, total = tf.while_loop(
                lambda step, *_, stop=start + block: step < stop, body, (start, x, caches, total)
            )
            done = [
                (tf.concat([d[0], c[0]], axis=2), tf.concat([d[1], c[1]], axis=2))
                for d, c in zip(done, caches, strict=True)
            ]
        return total

    return run


VARIANTS = {
    "no-attention": no_attention,
    "masked-cache": masked_cache_attention(write=True),
    "masked-no-write": masked_cache_attention(write=False),
    "written-blocks": block_attention,
}


def sharded(run, shards):
    """Runs the compiled `run` `shards` times in one graph, so shards can run concurrently."""

    @tf.function(jit_compile=False)
    def run_shards():
        # Each shard starts from another input: identical calls would be merged into one.
        return tf.concat([run(tf.constant(1.0 + shard)) for shard in range(shards)], axis=0)

    return run_shards


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--block", type=int, default=10)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    weights = random_weights()
    for name in args.variants:
        run = sampling_loop(VARIANTS[name], args.batch // args.shards, args.block, weights)
        if args.shards > 1:
            run = sharded(run, args.shards)
        else:
            run = functools.partial(run, tf.constant(1.0))
        run().numpy()  # compiles
        times = []
        for _ in range(3):
            start = time.perf_counter()
            run().numpy()
            times.append(time.perf_counter() - start)
        print(
            f"{name:16s} batch {args.batch} in {args.shards} shard(s): "
            f"{statistics.median(times):.3f} s [{min(times):.3f}]",
            flush=True,
        )


if __name__ == "__main__":
    main()
