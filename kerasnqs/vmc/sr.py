"""Stochastic reconfiguration: the natural-gradient preconditioner of VMC."""

import keras
import tensorflow as tf

from kerasnqs import validation
from kerasnqs.vmc.log_derivatives import log_derivatives
from kerasnqs.vmc.reduction import OneDevice

SOLVERS = ("auto", "sample", "parameter")


@keras.saving.register_keras_serializable(package="kerasnqs")
class SR:
    """Stochastic reconfiguration (SR), with the minimal-step (MinSR) solver.

    Passed to `kerasnqs.VMC(..., preconditioner=SR())`, it turns the energy gradient
    into the SR update before the Keras optimizer applies it, so any optimizer,
    learning-rate schedule and callback keeps working. With `keras.optimizers.SGD(lr)`
    a step is one step `lr` of imaginary-time evolution projected on the model.

    Mathematical details:

    With the per-sample log-derivatives `O_k(sigma) = d log psi(sigma) / d theta_k`
    (see `kerasnqs.vmc.log_derivatives`), their deviations from the sample mean
    `dO = O - <O>`, and the deviations of the local objective
    `eps(sigma) = E_loc(sigma) + T log P(sigma)` from its mean, the update `x` solves

        (S + lambda I) x = F,    S = Re < dO^* dO^T >,    F = Re < dO^* eps >

    where `lambda` is `diag_shift` and `<.>` the mean over samples (`F` is half the
    energy gradient). Writing `A` for the real matrix that stacks the rows
    `Re dO(sigma) / sqrt(N)` and, for a complex `log psi`, `Im dO(sigma) / sqrt(N)`, and
    `e` for the matching stack of `eps`, `S = A^T A` and `F = A^T e`, so that

        x = (A^T A + lambda)^-1 A^T e = A^T (A A^T + lambda)^-1 e.

    The left form solves in parameter space (a `P x P` system, `P` weights); the right
    one in sample space (MinSR, Chen & Heyl, arXiv 2302.01941: an `N x N` system, or
    `2N x 2N` for a complex `log psi`), which is the cheaper one when there are fewer
    samples than weights. Both give the same `x`. The system is formed and solved in
    float64, whatever the model's precision: a float32 product `A A^T` is positive only
    to within its rounding (about 1e-7 of its largest eigenvalue), which can exceed the
    shift and then amplifies rounding noise by `1 / lambda`. A Cholesky factorization
    solves it; should rounding still leave the shifted system indefinite, the solve
    clips the negative eigenvalues at zero instead.

    Args:
        diag_shift: `lambda`, a float > 0, or a `keras.optimizers.schedules`
            schedule of the training step (for example `ExponentialDecay`).
            Defaults to 1e-4, which reached 1.5-19x smaller errors than 1e-3 in equal
            wall time on each of the five systems of `benchmarks/peers.py` measured
            (RNN wavefunctions, MinSR, 500 samples; see `benchmarks/NOTES.md`).
        solver: `"sample"` (MinSR), `"parameter"`, or `"auto"` (the default: the
            smaller system of the two).

    Example:

    >>> import keras
    >>> import kerasnqs
    >>> from kerasnqs.lattice import Chain
    >>> from kerasnqs.models import RNNWavefunction
    >>> from kerasnqs.operators import TFIM
    >>> chain = Chain(6)
    >>> vmc = kerasnqs.VMC(
    ...     RNNWavefunction(chain, units=8),
    ...     TFIM(chain, h=1.0),
    ...     n_samples=64,
    ...     preconditioner=kerasnqs.vmc.SR(diag_shift=1e-2),
    ... )
    >>> vmc.compile(optimizer=keras.optimizers.SGD(0.05))
    >>> history = vmc.fit(epochs=1, steps_per_epoch=3, verbose=0)
    >>> len(history.history["energy"])
    1
    """

    def __init__(self, diag_shift=1e-4, solver="auto"):
        if isinstance(diag_shift, dict):
            diag_shift = keras.optimizers.schedules.deserialize(diag_shift)
        if not isinstance(diag_shift, keras.optimizers.schedules.LearningRateSchedule):
            if not validation.is_finite_positive(diag_shift):
                raise ValueError(
                    "`diag_shift` must be a finite number > 0 or a "
                    f"keras.optimizers.schedules.LearningRateSchedule, got {diag_shift!r}."
                )
            diag_shift = float(diag_shift)
        self.diag_shift = diag_shift
        self.solver = validation.choice("solver", solver, SOLVERS)

    def __call__(self, wavefunction, configs, local_objective, step):
        """Returns the SR update, one tensor per trainable variable of `wavefunction`.

        The same as `solve(linear_system(...), step, variables)`; `VMC` calls the two
        halves separately, so that the system is formed under XLA and solved outside
        it (XLA's CPU factorizations are slow).

        Args:
            wavefunction: the `kerasnqs.models.Wavefunction` being trained.
            configs: the samples, an integer tensor `(N, n_sites)`.
            local_objective: `eps(sigma)` of every sample, shape `(N,)`.
            step: the training step (for a `diag_shift` schedule).
        """
        system = self.linear_system(wavefunction, configs, local_objective)
        return self.solve(system, step, wavefunction.trainable_variables)

    def linear_system(self, wavefunction, configs, local_objective, reduction=None):
        """Forms the system to solve from the samples: the expensive, compilable half.

        The preconditioner contract of `kerasnqs.VMC`, with `solve`: the step passes its
        samples and its reduction, which says how the system's sums run over all the
        samples when they are spread over replicas (see `kerasnqs.vmc.reduction`).
        Each replica's per-sample derivatives `O` go through `reduction.local`; in
        parameter space the means `<O>`, `<eps>` and the products `S`, `F` are sums
        over samples, summed across replicas by `reduction.sum`; in sample space
        (MinSR) the kernel couples all samples, so `O` and `eps` are gathered first.

        Args:
            wavefunction: the `kerasnqs.models.Wavefunction` being trained.
            configs: the samples (of this replica), an integer tensor `(N, n_sites)`.
            local_objective: `eps(sigma)` of every sample, shape `(N,)`.
            reduction: a `kerasnqs.vmc.reduction` reduction; `None` for
                `OneDevice`: `configs` are all the samples.

        Returns:
            A dict of tensors for `solve`, the same on every replica.
        """
        if reduction is None:
            reduction = OneDevice(configs.shape[0])
        derivatives = reduction.local(log_derivatives, wavefunction, configs)
        return self.system_from_derivatives(derivatives, local_objective, reduction=reduction)

    def system_from_derivatives(
        self, derivatives, local_objective, weights=None, solver=None, reduction=None
    ):
        """`linear_system` from known derivatives `O`, shape `(N, P)`.

        Args:
            derivatives: `O` of this replica's samples, real or complex.
            local_objective: `eps` of the same samples, shape `(N,)`.
            weights: optional probabilities of the rows, shape `(N,)`, summing to one
                (for exact expectations over all configurations, on one device);
                defaults to `1 / n_samples`.
            solver: `"sample"` or `"parameter"`, to override the preconditioner's own.
            reduction: how sums over samples run across replicas, as in
                `linear_system`; `None` when these rows are all the samples.
        """
        derivatives = tf.convert_to_tensor(derivatives)
        if reduction is None:
            reduction = OneDevice(derivatives.shape[0])
        n_rows = reduction.n_samples * (2 if derivatives.dtype.is_complex else 1)
        solver = self.solver_for(n_rows, derivatives.shape[1]) if solver is None else solver
        if solver == "sample":
            # The kernel A A^T couples every pair of samples: form it from all of them.
            matrix, rhs = _stacked_system(
                reduction.gather(derivatives), reduction.gather(local_objective), weights
            )
            kernel = tf.matmul(matrix, matrix, transpose_b=True)
            return {"kernel": kernel, "rhs": rhs, "matrix": matrix}
        if weights is None:
            weights = tf.fill(
                (derivatives.shape[0],), tf.constant(1.0 / reduction.n_samples, tf.float64)
            )
        matrix, rhs = _stacked_system(derivatives, local_objective, weights, reduction)
        covariance = tf.matmul(matrix, matrix, transpose_a=True)
        force = tf.linalg.matvec(matrix, rhs, transpose_a=True)
        return reduction.sum({"covariance": covariance, "force": force})

    def solver_for(self, n_rows, n_parameters):
        """The solver (`"sample"` or `"parameter"`) for `n_rows` rows of `A` (`N`, or
        `2N` for a complex `log psi`) and `n_parameters` weights."""
        if self.solver != "auto":
            return self.solver
        return "sample" if n_rows <= n_parameters else "parameter"

    def solve(self, system, step, variables=None):
        """Solves a `linear_system` for the update `x = (S + lambda)^-1 F`.

        Args:
            system: what `linear_system` returned.
            step: the training step (for a `diag_shift` schedule).
            variables: the trainable variables; `None` returns the flat float64 `x`.

        Returns:
            One tensor per variable, shaped and typed like it, or the flat `x`.
        """
        diag_shift = self.shift_at(step)
        if "kernel" in system:
            solution = _shifted_solve(system["kernel"], system["rhs"][:, None], diag_shift)
            update = tf.linalg.matvec(system["matrix"], solution[:, 0], transpose_a=True)
        else:
            update = _shifted_solve(system["covariance"], system["force"][:, None], diag_shift)[
                :, 0
            ]
        return update if variables is None else _unflatten(update, variables)

    def shift_at(self, step):
        """The diagonal shift at training step `step`, a float64 tensor."""
        if isinstance(self.diag_shift, keras.optimizers.schedules.LearningRateSchedule):
            return tf.cast(self.diag_shift(step), tf.float64)
        return tf.constant(self.diag_shift, tf.float64)

    def direction(self, derivatives, local_objective, weights=None, step=0):
        """Returns `x = (S + lambda)^-1 F` as a float64 vector of the flattened weights.

        Args:
            derivatives: `O`, shape `(N, P)`, real or complex.
            local_objective: `eps`, shape `(N,)`, real or complex.
            weights: optional probabilities of the rows, shape `(N,)`, summing to one
                (for exact expectations over all configurations); defaults to `1 / N`.
            step: the training step whose `diag_shift` to use. Defaults to 0.

        Returns:
            A float64 tensor `(P,)`.
        """
        return self.solve(self.system_from_derivatives(derivatives, local_objective, weights), step)

    def get_config(self):
        diag_shift = self.diag_shift
        if isinstance(diag_shift, keras.optimizers.schedules.LearningRateSchedule):
            diag_shift = keras.optimizers.schedules.serialize(diag_shift)
        return {"diag_shift": diag_shift, "solver": self.solver}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"SR(diag_shift={self.diag_shift!r}, solver={self.solver!r})"


def _stacked_system(derivatives, local_objective, weights, reduction=None):
    """`A` and `e` of the class docstring, in float64, for the rows of this replica.

    The deviations are taken from the weighted means over all the samples: `<O>` as a
    sum over rows that `reduction` sums across replicas, `<eps>` over the gathered
    `eps` (a number per sample), as one device takes it. `reduction=None` for rows
    that are all the samples.
    """
    derivatives = tf.convert_to_tensor(derivatives)
    n_samples = derivatives.shape[0]
    if weights is None:
        weights = tf.fill((n_samples,), tf.constant(1.0 / n_samples, tf.float64))
    weights = tf.cast(weights, tf.float64)
    if reduction is None:
        reduction = OneDevice(n_samples)

    def along_rows(weights, values):
        """`weights` shaped to broadcast along the rows of `values`, in their dtype."""
        shape = (values.shape[0],) + (1,) * (len(values.shape) - 1)
        return tf.cast(tf.reshape(weights, shape), values.dtype)

    def scaled_deviations(values, mean):
        return tf.sqrt(along_rows(weights, values)) * (values - mean)

    # float64 from here on, whatever the model's precision (see the class docstring).
    complex_dtype = tf.complex128
    derivatives = tf.cast(derivatives, complex_dtype if derivatives.dtype.is_complex else "float64")
    objective = tf.cast(local_objective, complex_dtype)
    mean_derivatives = reduction.sum(
        tf.reduce_sum(along_rows(weights, derivatives) * derivatives, axis=0)
    )
    all_objective = reduction.gather(objective)
    all_weights = reduction.gather(weights)
    mean_objective = tf.reduce_sum(along_rows(all_weights, all_objective) * all_objective, axis=0)
    deviations = scaled_deviations(derivatives, mean_derivatives)
    objective = scaled_deviations(objective, mean_objective)
    if derivatives.dtype.is_complex:
        matrix = tf.concat([tf.math.real(deviations), tf.math.imag(deviations)], axis=0)
        rhs = tf.concat([tf.math.real(objective), tf.math.imag(objective)], axis=0)
        return matrix, rhs
    return deviations, tf.math.real(objective)


def _shifted_solve(matrix, rhs, diag_shift):
    """Solves `(matrix + diag_shift I) x = rhs` for a symmetric positive `matrix`.

    A Cholesky factorization solves it. When that fails, because rounding left
    eigenvalues below `-diag_shift`, the eigenvalues are clipped at zero, which is what
    they are up to that rounding, and the system is solved in the eigenbasis. A matrix
    with non-finite entries (from a non-finite sample) gives a NaN solution, which `VMC`
    reports as a non-finite step.
    """
    shifted = matrix + diag_shift * tf.eye(matrix.shape[0], dtype=matrix.dtype)

    def solve():
        factor = tf.linalg.cholesky(shifted)  # NaN-filled when `shifted` is not positive
        return tf.cond(
            tf.reduce_all(tf.math.is_finite(factor)),
            lambda: tf.linalg.cholesky_solve(factor, rhs),
            lambda: _clipped_eigen_solve(matrix, rhs, diag_shift),
        )

    return tf.cond(
        tf.reduce_all(tf.math.is_finite(shifted)),
        solve,
        lambda: tf.fill(tf.shape(rhs), tf.constant(float("nan"), rhs.dtype)),
    )


def _clipped_eigen_solve(matrix, rhs, diag_shift):
    """`(V max(D, 0) V^T + diag_shift I)^-1 rhs` for the eigendecomposition `V D V^T`."""
    values, vectors = tf.linalg.eigh(matrix)
    values = tf.maximum(values, tf.zeros_like(values)) + diag_shift
    return tf.matmul(vectors, tf.matmul(vectors, rhs, transpose_a=True) / values[:, None])


def _unflatten(vector, variables):
    """Splits a flat vector into tensors shaped (and typed) like `variables`."""
    pieces, start = [], 0
    for variable in variables:
        size = 1
        for dim in variable.shape:
            size *= dim
        piece = tf.reshape(vector[start : start + size], variable.shape)
        pieces.append(tf.cast(piece, variable.dtype))
        start += size
    return pieces
