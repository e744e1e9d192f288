"""How kerasnqs turns its Python functions into TensorFlow graphs: the one place that
makes a `tf.function`.

kerasnqs writes its loops as `tf.while_loop` and its data-dependent branches as
`tf.cond` (or `keras.ops.cond`), as Keras 3 asks of code meant for any backend, so
there is nothing for AutoGraph to rewrite. AutoGraph would still parse and convert
every function it meets, and wrap each call inside a trace in a check of whether to
convert it. Without it (Keras already traces `train_step` unconverted), 288
trace-and-compile-heavy tests took 583 s instead of 697 s on one core
(`benchmarks/NOTES.md`, session 15). A function that branches in Python on a tensor
then fails when it is traced, with TensorFlow's error naming the tensor, instead of
being converted silently.
"""

import tensorflow as tf


def function(fn, jit_compile=False, reduce_retracing=False):
    """`fn` as a `tf.function` without AutoGraph, compiled with XLA when `jit_compile`.

    Args:
        fn: a Python function of tensors.
        jit_compile: compile the function with XLA (`True`) or run it as a graph.
            Defaults to `False`.
        reduce_retracing: let TensorFlow generalize the input signature instead of
            tracing once per new shape. Defaults to `False`.

    Returns:
        A `tf.function`.

    Example:

    >>> import tensorflow as tf
    >>> from kerasnqs import compiled
    >>> double = compiled.function(lambda x: 2 * x, jit_compile=True)
    >>> double(tf.constant([1.0, 2.0])).numpy().tolist()
    [2.0, 4.0]
    """
    return tf.function(
        fn, jit_compile=jit_compile, reduce_retracing=reduce_retracing, autograph=False
    )
