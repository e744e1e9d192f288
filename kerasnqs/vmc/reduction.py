"""Where a training step's samples live, and how sums and means over them are taken.

`VMC`'s training step is written once; what it needs to know about where it runs is a
*reduction*: `OneDevice` when every sample of the step is on this device, `Replicas` in
the replica function of a `tf.distribute` strategy, where each replica holds a share of
the samples and a mean over samples is a mean over all replicas' samples. A
preconditioner receives the reduction in `linear_system` and asks it to combine the
pieces of its system (see `kerasnqs.vmc.SR`).

The reduction contract, what a preconditioner may use:

- `n_samples`: the number of samples of the step, over all replicas.
- `gather(values)`: the values of all samples, concatenated along axis 0 in replica
  order (a few numbers per sample; the values of this replica's samples in, the same
  tensor on every replica out).
- `mean(values)`: the mean over all samples along axis 0, the mean of `gather(values)`,
  so that it is the mean one device takes over the same samples, to the last bit.
- `sum(tensors)`: each tensor of a nest (a tensor, list or dict) summed over replicas;
  real or complex.
- `local(fn, *args)`: `fn(*args)`, a computation on this replica's samples that needs
  no communication (sampling, per-sample derivatives). Under a strategy it is compiled
  on its own, with XLA when the model was compiled with `jit_compile=True`, because
  the collectives between such parts cannot run inside XLA on CPU; on one device the
  caller is compiled already and `fn` is traced in place.

What only the training step uses: `n_local` (the samples this replica draws),
`seed(base_seed, step)`, `estimate(fn)` (runs the step's estimate, compiled as the
placement allows), `share(update)` (what this replica hands the optimizer, which sums
the replicas' updates), `apply_if(finite, apply, args, otherwise)` (applies the update
everywhere when every replica's step is finite, else calls `otherwise` once) and
`logs(logs)`.
"""

import tensorflow as tf

from kerasnqs import compiled, seeds
from kerasnqs.vmc import distributed


class OneDevice:
    """Every sample of the step is on this device: the plain sums and means.

    Args:
        n_samples: the number of samples of the step.
        jit_compile: `None` when the caller (the training step) is compiled already and
            the estimate runs in it; otherwise the estimate is compiled on its own, with
            XLA if `True` (with a preconditioner, whose solve then runs outside XLA).
        cache: a dict that keeps the compiled estimate between steps; `None` for none.

    Example:

    >>> import tensorflow as tf
    >>> from kerasnqs.vmc.reduction import OneDevice
    >>> reduction = OneDevice(n_samples=4)
    >>> float(reduction.mean(tf.constant([1.0, 2.0, 3.0, 6.0])))
    3.0
    >>> reduction.sum({"force": 1.5})
    {'force': 1.5}
    """

    num_replicas = 1

    def __init__(self, n_samples, jit_compile=None, cache=None):
        self.n_samples = int(n_samples)
        self.n_local = self.n_samples
        self.jit_compile = jit_compile
        self.cache = {} if cache is None else cache

    def gather(self, values):
        return values

    def mean(self, values):
        return tf.reduce_mean(self.gather(values), axis=0)

    def sum(self, tensors):
        return tensors

    def local(self, fn, *args):
        return fn(*args)

    def seed(self, base_seed, step):
        return seeds.fold_in(base_seed, step)

    def estimate(self, fn):
        if self.jit_compile is None:
            return fn(self)
        key = ("estimate", fn, self.jit_compile)
        if key not in self.cache:
            self.cache[key] = compiled.function(fn, jit_compile=self.jit_compile)
        return self.cache[key](self)

    def share(self, update):
        return update

    def apply_if(self, finite, apply, args, otherwise):
        tf.cond(finite, lambda: apply(*args), otherwise)

    def logs(self, logs):
        return logs


class Replicas:
    """The replicas of a `tf.distribute` strategy, each with an equal share of the samples.

    Used in the replica function (`strategy.run`): sums are all-reduced, per-sample values
    gathered, and the communication-free parts of the step compiled on their own.

    Args:
        context: the `tf.distribute.ReplicaContext` of the replica function.
        n_samples: the number of samples of the step over all replicas, a multiple of
            their number.
        jit_compile: compile the communication-free parts with XLA.
        cache: a dict that keeps the compiled parts between steps (and lets the
            replicas share them); `None` for none.
    """

    def __init__(self, context, n_samples, jit_compile=False, cache=None):
        self.context = context
        self.num_replicas = context.num_replicas_in_sync
        self.n_samples = int(n_samples)
        self.n_local = distributed.samples_per_replica(self.n_samples, self.num_replicas)
        self.jit_compile = bool(jit_compile)
        self.cache = {} if cache is None else cache

    def gather(self, values):
        return distributed.all_gather(self.context, values)

    def mean(self, values):
        return tf.reduce_mean(self.gather(values), axis=0)

    def sum(self, tensors):
        return tf.nest.map_structure(
            lambda value: distributed.all_reduce_sum(self.context, value), tensors
        )

    def local(self, fn, *args):
        key = ("local", fn, self.jit_compile)
        if key not in self.cache:
            self.cache[key] = compiled.function(fn, jit_compile=self.jit_compile)
        return self.cache[key](*args)

    def seed(self, base_seed, step):
        return distributed.replica_seed(base_seed, step, self.context.replica_id_in_sync_group)

    def estimate(self, fn):
        return fn(self)

    def share(self, update):
        # The Keras optimizer sums the replicas' updates.
        return [u / tf.cast(self.num_replicas, u.dtype) for u in update]

    def apply_if(self, finite, apply, args, otherwise):
        """`apply(*args)` on every replica when all are finite, else `otherwise()` once.

        The decision runs in the cross-replica context: a branch of a `tf.cond` in a
        replica context may not contain the optimizer's `merge_call`.
        """
        not_finite = self.context.all_reduce(
            tf.distribute.ReduceOp.SUM, 1.0 - tf.cast(finite, tf.float32)
        )

        def merge(strategy, not_finite, *args):
            all_finite = tf.equal(strategy.experimental_local_results(not_finite)[0], 0.0)

            def apply_everywhere():
                strategy.extended.call_for_each_replica(apply, args=args)

            def flag():
                otherwise()

            tf.cond(all_finite, apply_everywhere, flag)

        self.context.merge_call(merge, args=(not_finite, *args))

    def logs(self, logs):
        if self.context.strategy.extended._in_multi_worker_mode():
            # The logs are the same on every replica already. Keras reduces them across
            # workers with a mean along axis 0, which a scalar lacks: give it one.
            return {name: tf.reshape(value, (1,)) for name, value in logs.items()}
        return logs
