"""VMC on several devices and machines with `tf.distribute`: the one home of its machinery.

A `kerasnqs.VMC` created inside `strategy.scope()` (a `tf.distribute.MirroredStrategy`
over the devices of one machine, or a `tf.distribute.MultiWorkerMirroredStrategy` over
several machines) trains with its one training step over the reduction
`kerasnqs.vmc.reduction.Replicas`: every replica draws `n_samples / num_replicas`
samples of its own, and everything that is a mean over samples is the mean over all
replicas' samples, so that a step on `R` replicas with samples `S_1 .. S_R` applies the
update of one device on `S_1 ∪ .. ∪ S_R`.

What is global and what is per replica:

- per replica: the samples (the step's seed with the replica id folded in, see
  `replica_seed`), their local energies and `log P`, the per-sample derivatives `O`,
  and, without a preconditioner, the gradient of the replica's samples;
- global: the mean of the local objective `eps = E_loc + T log P` that centers the
  gradient estimator; the reported energy, variance, error bar and loss (the local
  energies and `log P` of all replicas are gathered, a few numbers per sample); the
  gradient (the mean of the replicas' gradients); SR's parameter-space `S` and `F`
  (sums of the replicas' products, centered at the global means) and MinSR's
  sample-space kernel (from the gathered `O` of all samples); the decision that a
  step is not finite.

The sampling, local energies and derivatives of a replica are compiled on their own
(with XLA after `compile(jit_compile=True)`, by `Replicas.local`); the collectives
between them run in the replica function of the Keras step, which is not compiled with
XLA (TensorFlow's cross-device reductions on CPU go through `merge_call`, which XLA
cannot contain). This module holds the strategy's machinery: seeds, collectives,
datasets, `estimate` and the command line's strategies.
"""

import os

import tensorflow as tf

from kerasnqs import compiled, seeds
from kerasnqs.vmc import memory_budget as budget_lib
from kerasnqs.vmc.estimate import checked_operators, compiled_sampler, estimates_of


def strategy_of(model):
    """The `tf.distribute.Strategy` a Keras model was created under, or `None`."""
    return getattr(model, "_distribute_strategy", None)


def replica_seed(base_seed, step, replica_id):
    """The seed of one replica's samples at a training step.

    The one-device step draws with `fold_in(base_seed, step)`; a replica folds its id
    into that, so replicas draw different samples and the same seed and number of
    replicas give the same history.

    Args:
        base_seed: a stateless seed, shape `(2,)`.
        step: the training step (the optimizer's `iterations`).
        replica_id: the replica's id in its sync group, `0 .. num_replicas - 1`.

    Returns:
        An int64 seed of shape `(2,)`.

    Example:

    >>> from kerasnqs.seeds import as_seed
    >>> from kerasnqs.vmc.distributed import replica_seed
    >>> a, b = (replica_seed(as_seed(0), 3, r).numpy().tolist() for r in (0, 1))
    >>> a != b
    True
    """
    return seeds.fold_in(seeds.fold_in(base_seed, step), replica_id)


def samples_per_replica(n_samples, num_replicas):
    """`n_samples / num_replicas`; a ValueError naming `n_samples` unless it divides."""
    if n_samples % num_replicas:
        raise ValueError(
            f"`n_samples` must be a multiple of the {num_replicas} replicas of the "
            f"distribution strategy (each draws an equal share), got {n_samples}."
        )
    return n_samples // num_replicas


def check_mirrored(wavefunction, strategy):
    """Raises a ValueError unless the wavefunction's weights were created in `strategy`."""
    for variable in wavefunction.trainable_variables:
        value = getattr(variable, "value", variable)
        if not isinstance(value, tf.distribute.DistributedValues):
            raise ValueError(
                "`wavefunction` must be created (and built) inside the same "
                f"`{type(strategy).__name__}.scope()` as the VMC, so that its weights "
                f"are mirrored on every replica; its weight {variable.path!r} is not."
            )


def dataset(strategy=None):
    """The dummy data `VMC.fit` iterates over: one element, or one per replica.

    Each step draws its own samples, so the data only counts steps. It is one constant
    element repeated, with nothing for tf.data to tune: autotuning is off, so the
    iterator starts no tuning thread. (That thread sleeps for up to a minute between
    rounds, and an iterator being destroyed waits for it to wake: seconds per `fit`.)

    Args:
        strategy: the `tf.distribute.Strategy` of the fit, or `None` for one device.

    Returns:
        An endless `tf.data.Dataset`.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    if strategy is None:
        return tf.data.Dataset.from_tensors(0).repeat().with_options(options)
    data = tf.data.Dataset.from_tensors(tf.zeros((strategy.num_replicas_in_sync,)))
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return data.repeat().with_options(options)


def all_reduce_sum(context, value):
    """The sum over replicas of a real or complex tensor (complex as two real sums)."""
    if value.dtype.is_complex:
        parts = context.all_reduce(
            tf.distribute.ReduceOp.SUM, [tf.math.real(value), tf.math.imag(value)]
        )
        return tf.complex(*parts)
    return context.all_reduce(tf.distribute.ReduceOp.SUM, value)


def all_gather(context, value):
    """The replicas' tensors (of one static shape) concatenated along axis 0."""
    if value.dtype.is_complex:
        return tf.complex(
            all_gather(context, tf.math.real(value)), all_gather(context, tf.math.imag(value))
        )
    gathered = context.all_gather(value, axis=0)
    shape = [value.shape[0] * context.num_replicas_in_sync, *value.shape[1:]]
    return tf.ensure_shape(gathered, shape)


def estimate(
    strategy,
    wavefunction,
    operators,
    n_samples,
    seed,
    chunk_size="auto",
    memory_budget=None,
    jit_compile=True,
    covariance=False,
):
    """`kerasnqs.estimate` with the samples split evenly across the strategy's replicas.

    Replica `r` draws its `n_samples / num_replicas` samples in batches `b` with the seed
    `replica_seed(seed, b, r)`; the local values of all replicas are gathered and their
    statistics returned (the same on every worker).

    Args:
        strategy: the `tf.distribute.Strategy` whose replicas share the work.
        wavefunction: a `kerasnqs.models.Wavefunction` created in `strategy.scope()`.
        operators: a `kerasnqs.operators.PauliSum` on the wavefunction's sites, or a dict
            or list of them, as in `kerasnqs.estimate`.
        n_samples: the total number of samples, a multiple of the number of replicas.
        seed: an integer seed.
        chunk_size: as in `kerasnqs.estimate`.
        memory_budget: as in `kerasnqs.estimate`.
        jit_compile: compile each replica's sampling and local values with XLA.
        covariance: also return the covariance matrix of the means.

    Returns:
        As `kerasnqs.estimate`.
    """
    operator_list = checked_operators(wavefunction, operators, n_samples, covariance)
    n_local = samples_per_replica(int(n_samples), strategy.num_replicas_in_sync)
    batch_size = min(budget_lib.batch_size_for(n_local), n_local)
    sampler = compiled_sampler(
        wavefunction, operator_list, batch_size, chunk_size, memory_budget, jit_compile
    )
    base_seed = seeds.as_seed(seed)

    def replica_values(n, batch):
        context = tf.distribute.get_replica_context()
        values = sampler(n, replica_seed(base_seed, batch, context.replica_id_in_sync_group))
        return [all_gather(context, v) for v in values]

    @compiled.function
    def all_values(n, batch):
        gathered = strategy.run(replica_values, args=(n, batch))
        return [strategy.experimental_local_results(v)[0] for v in gathered]

    batches = [
        [
            v.numpy()
            for v in all_values(min(batch_size, n_local - start), tf.constant(batch, tf.int64))
        ]
        for batch, start in enumerate(range(0, n_local, batch_size))
    ]
    return estimates_of(operators, batches, covariance)


STRATEGIES = ("none", "mirrored", "multi-worker")
"""What `kerasnqs train --distribute` accepts."""


def make_strategy(kind, devices=None):
    """Creates a distribution strategy by name and makes it the default one.

    Call it before TensorFlow has run anything: `devices` splits the CPU into logical
    devices and `MultiWorkerMirroredStrategy` must start before other ops.

    Args:
        kind: `"none"` (no strategy), `"mirrored"` (`MirroredStrategy` over the GPUs,
            or over the logical CPU devices when there is no GPU) or `"multi-worker"`
            (`MultiWorkerMirroredStrategy`; the cluster comes from `TF_CONFIG`, or
            from the Slurm environment when `TF_CONFIG` is unset and `SLURM_JOB_ID` set).
        devices: an integer >= 1: split the CPU into this many logical devices (to
            try several replicas without GPUs); `None` leaves the devices as they are.

    Returns:
        The strategy, already set as the default one, or `None` for `"none"`.
    """
    if kind not in STRATEGIES:
        raise ValueError(f"--distribute must be one of {', '.join(STRATEGIES)}, got {kind!r}")
    if devices is not None:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * devices
        )
    if kind == "none":
        return None
    if kind == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        names = [d.name for d in gpus or tf.config.list_logical_devices("CPU")]
        strategy = tf.distribute.MirroredStrategy(names)
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=_cluster_resolver())
    tf.distribute.experimental_set_strategy(strategy)
    return strategy


def _cluster_resolver():
    if "TF_CONFIG" not in os.environ and "SLURM_JOB_ID" in os.environ:
        return tf.distribute.cluster_resolver.SlurmClusterResolver()
    return tf.distribute.cluster_resolver.TFConfigClusterResolver()


def is_chief(strategy):
    """Whether this process writes the outputs: always without a cluster; in a cluster
    the task `chief`, or worker 0 when there is no `chief` task."""
    resolver = getattr(strategy, "cluster_resolver", None)
    spec = resolver.cluster_spec().as_dict() if resolver is not None else {}
    if not spec:
        return True
    if resolver.task_type == "chief":
        return True
    return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in spec


PYTHON_CALLBACK_OPS = ("PyFunc", "PyFuncStateless", "EagerPyFunc")


def host_bound_ops(function, *args):
    """The ops of a traced function that would keep a GPU waiting on the host.

    Lists every node, in the function's graph and in all the functions it calls (XLA
    clusters, loops, conditionals), that is pinned to a CPU device or calls back into
    Python (`tf.py_function`, `tf.numpy_function`).

    Args:
        function: a `tf.function`.
        *args: the arguments (or `tf.TensorSpec` objects) to trace it with.

    Returns:
        A list of `(op type, node name, device)`, empty when the step can stay on the
        device.

    Example:

    >>> import tensorflow as tf
    >>> from kerasnqs.vmc.distributed import host_bound_ops
    >>> host_bound_ops(tf.function(lambda x: 2 * x), tf.TensorSpec([3]))
    []
    """
    graph_def = function.get_concrete_function(*args).graph.as_graph_def()
    nodes = list(graph_def.node)
    for library_function in graph_def.library.function:
        nodes.extend(library_function.node_def)
    return [
        (node.op, node.name, node.device)
        for node in nodes
        if node.op in PYTHON_CALLBACK_OPS or "CPU" in node.device.upper()
    ]
