"""`kerasnqs.train`: a recipe in, a trained and estimated `TrainingRun` out."""

import dataclasses
import os
import signal
import tempfile
import time
import warnings

from kerasnqs import run_folder
from kerasnqs import stats as stats_lib
from kerasnqs.exact import reference_energy, relative_error
from kerasnqs.recipes import Recipe
from kerasnqs.training import resume as resuming


@dataclasses.dataclass
class TrainingRun:
    """What `kerasnqs.train` returns: the trained `VMC` and how well it did.

    Attributes:
        vmc: the trained `kerasnqs.VMC` (its `wavefunction`, `hamiltonian`, `optimizer`).
        recipe: the `kerasnqs.Recipe` trained.
        history: one dict per epoch: `epoch`, `step` and the epoch's mean metrics
            (`energy`, `energy_error`, `variance`, ...), as in `history.csv`.
        energy: the final estimate (`kerasnqs.stats.Stats`, from `recipe.eval_samples`
            samples), or None if the run was interrupted.
        exact_energy: the exact ground-state energy, or None where none is known.
        exact_source: how it was found (free fermions, Lanczos, ...) or why there is none.
        relative_error: `|E - E_exact| / |E_exact|` of the final estimate, or None.
        variance: the variance of the local energy in the final estimate, or None.
        v_score: `N Var(E) / E^2`, with N the number of sites (the V-score of
            Wu et al., Science 386, 296 (2024)), or None.
        out: the run folder, or None for a run in memory.
        interrupted: whether SIGINT or SIGTERM stopped the training or the estimate.
        stopped_by: the number of that signal, or None.
        steps: the training steps done.
        planned_steps: the steps of the recipe.
        wall_time_s: the seconds of training and final estimate (of this call).
        train_time_s: the seconds of training (of this call).
    """

    vmc: object
    recipe: Recipe
    history: list
    energy: object
    exact_energy: float | None
    exact_source: str | None
    relative_error: float | None
    variance: float | None
    v_score: float | None
    out: str | None
    interrupted: bool
    stopped_by: int | None
    steps: int
    planned_steps: int
    wall_time_s: float
    train_time_s: float

    def summary(self):
        """The contents of a run folder's `summary.json`.

        `energy_error_of_mean` is the final estimate's error bar (`history.csv`'s
        `energy_error` is each epoch's). An interrupted run has no final estimate: its
        energy entries are None.
        """
        return {
            "energy": None if self.energy is None else float(self.energy.mean.real),
            "energy_error_of_mean": None if self.energy is None else self.energy.error_of_mean,
            "variance": self.variance,
            "v_score": self.v_score,
            "exact_energy": self.exact_energy,
            "exact_source": self.exact_source,
            "relative_error": self.relative_error,
            "steps": self.steps,
            "planned_steps": self.planned_steps,
            "interrupted": self.interrupted,
            "wall_time_s": self.wall_time_s,
            "train_time_s": self.train_time_s,
        }


def train(recipe=None, out=None, callbacks=(), resume=None, overwrite=False, verbose="auto"):
    """Trains the wavefunction of a recipe by VMC and estimates its energy.

    The steps of `kerasnqs train`, in order: the system (`recipe.build_system()`); the
    random seed, before any weight exists; the wavefunction
    (`kerasnqs.training.build_wavefunction`: the model, the weights of `init_from`, the
    symmetries); the memory budget; the exact energy (`kerasnqs.exact.reference_energy`);
    the compiled `VMC` (`kerasnqs.training.build_vmc`: Adam, or SGD with SR, with a
    cosine decay over the steps); `VMC.fit` with `callbacks`, a `TrainingMonitor` and a
    `SignalStop` (Ctrl-C or SIGTERM stops after the current step, and the run comes back
    with `interrupted` set; a second signal raises `KeyboardInterrupt`); then the final
    estimate from `recipe.eval_samples` samples.

    With `out`, the run writes its folder as `kerasnqs train --out` does: `config.json`
    (the recipe, `out` and the recipe's fingerprint), `history.csv` and
    `checkpoint.keras` after every epoch (`kerasnqs.callbacks.RunCheckpoint`),
    `energy.png`, `model.keras` and `summary.json`, and it holds the folder's lock. The
    checkpoint is removed when the run ends. `train(resume=out)` continues an
    interrupted run from its last checkpoint, bit for bit. Without `out`, nothing is
    written. Under a multi-worker strategy only the chief writes `out`.

    Args:
        recipe: a `kerasnqs.Recipe` (or a mapping of its settings); defaults to
            `Recipe()`, the open TFIM chain of 20 sites at h = 1.
        out: the run folder, or None to train in memory.
        callbacks: more Keras callbacks for `VMC.fit`.
        resume: a run folder to continue with its own recipe (then leave `recipe` and
            `out` unset).
        overwrite: replace a run already in `out` (refused otherwise).
        verbose: `VMC.fit`'s verbosity, which also gives the final estimate a progress
            bar when it is 1; the library prints nothing else.

    Returns:
        A `TrainingRun`.

    Raises:
        ValueError: for a recipe, a folder or a checkpoint that cannot be trained, with
            the message `kerasnqs train` prints.

    Example:

    >>> import kerasnqs
    >>> run = kerasnqs.train(kerasnqs.Recipe(size=6, units=8, steps=50, samples=64,
    ...                                      eval_samples=2000), verbose=0)
    >>> run.relative_error < 0.05, run.out is None, len(run.history)
    (True, True, 2)
    """
    if resume is not None:
        if recipe is not None or out is not None:
            raise ValueError(
                f"--resume {resume!r} continues that run with the settings of its "
                f"{run_folder.CONFIG}: pass no recipe and no out"
            )
        out, recipe = resume, resuming.read_recipe(resume)
    elif recipe is None:
        recipe = Recipe()
    elif not isinstance(recipe, Recipe):
        recipe = Recipe.from_dict(recipe)
    choice = recipe.training_choice()  # "" on resume: config.json has every setting
    recipe = recipe.resolved()
    if out is not None and (not isinstance(out, str | os.PathLike) or not str(out).strip()):
        raise ValueError(f"--out must be a path (text), got {out!r}")
    out = None if out is None else os.fspath(out)
    from kerasnqs.vmc import distributed

    strategy = distributed.make_strategy(recipe.distribute, recipe.devices)
    if out is not None and strategy is not None and not distributed.is_chief(strategy):
        # The other workers train in step with the chief and write to a private folder.
        out = os.path.join(tempfile.mkdtemp(prefix="kerasnqs-"), "run")
        warnings.warn(f"not the chief; this worker's copy of the run goes to {out}", stacklevel=2)
    if out is None:
        return _train(recipe, None, list(callbacks), verbose)
    with run_folder.RunLock(out, "--resume" if resume is not None else "--out"):
        checkpoint = None
        if resume is not None:
            checkpoint = resuming.find_checkpoint(out, recipe.steps_per_epoch)
            resuming.check_resumed_recipe(out, recipe, checkpoint)
        else:
            run_folder.check_out(out, overwrite=overwrite)
        folder = _Folder(out, resume is not None, checkpoint, overwrite, choice)
        return _train(recipe, folder, list(callbacks), verbose)


@dataclasses.dataclass
class _Folder:
    """Where a run writes: `path`, whether it continues the run there (from
    `checkpoint`, None if no epoch had ended), or else may replace one (`overwrite`),
    and how the recipe's open training settings were chosen (`choice`)."""

    path: str
    resumed: bool
    checkpoint: str | None
    overwrite: bool
    choice: str = ""


def _train(recipe, folder, callbacks, verbose):
    """Builds the recipe's `VMC`, trains it (from `folder.checkpoint` if it is set) and
    estimates its energy; writes the run's files into `folder` unless it is None."""
    import keras

    from kerasnqs.callbacks import (
        EpochRows,
        RunCheckpoint,
        SignalStop,
        TrainingMonitor,
        TrainingPlot,
    )
    from kerasnqs.training import build

    checkpoint = None if folder is None else folder.checkpoint
    lattice, hamiltonian = recipe.build_system()
    keras.utils.set_random_seed(recipe.seed)  # before any weight is initialized
    wavefunction = build.build_wavefunction(
        recipe, lattice, hamiltonian, init_weights=checkpoint is None
    )
    build.check_memory(recipe, wavefunction, hamiltonian)
    exact_energy, exact_source = reference_energy(hamiltonian, wavefunction.hilbert)
    if folder is not None:
        _prepare_folder(recipe, folder)
    vmc = build.build_vmc(recipe, wavefunction, hamiltonian)
    epochs = recipe.steps // recipe.steps_per_epoch
    initial_epoch, rows = 0, []
    out = None if folder is None else folder.path
    if out is not None:
        recorder = RunCheckpoint(out, recipe.steps_per_epoch, settings=recipe.to_dict())
        if checkpoint is not None:
            initial_epoch = recorder.restore(vmc, epochs)
            rows = recorder.rows
        plot = TrainingPlot(os.path.join(out, run_folder.PLOT), exact_energy, rows=rows)
        callbacks = [recorder, *callbacks, plot]
    history = EpochRows(rows)
    stop = SignalStop()
    start = time.perf_counter()
    with stop:
        vmc.fit(
            epochs=epochs,
            steps_per_epoch=recipe.steps_per_epoch,
            callbacks=[*callbacks, stop, TrainingMonitor(exact_energy), history],
            verbose=verbose,
            initial_epoch=initial_epoch,
        )
        train_time = time.perf_counter() - start
        stats = None if stop.signum is not None else _final_estimate(vmc, recipe, stop, verbose)
        run = _training_run(vmc, recipe, history.rows, stats, (exact_energy, exact_source), out)
        run.stopped_by = stop.signum
        run.wall_time_s, run.train_time_s = time.perf_counter() - start, train_time
        if out is not None:
            _write_outputs(run)
    return run


def _prepare_folder(recipe, folder):
    """Makes the run folder ready: a new run's `config.json`, or a resumed run's folder
    cleared of temporary files."""
    if folder.resumed:
        run_folder.remove_temporary_files(folder.path)
        return
    run_folder.prepare_out(folder.path, overwrite=folder.overwrite)
    config = {**recipe.to_dict(), "out": folder.path}
    config[run_folder.FINGERPRINT] = recipe.fingerprint()
    if folder.choice:
        config[run_folder.TRAINING_CHOICE] = folder.choice
    run_folder.write_json(os.path.join(folder.path, run_folder.CONFIG), config)


def _final_estimate(vmc, recipe, stop, verbose):
    """The final estimate of the energy, or None if a signal stopped it (then
    `stop.signum` is set to that signal); with a progress bar where `fit` has one."""
    from kerasnqs.vmc.vmc import resolve_verbose

    try:
        return vmc.estimate(recipe.eval_samples, progress=resolve_verbose(verbose) == 1)
    except KeyboardInterrupt:
        stop.signum = stop.last_signum or signal.SIGINT
        return None


def _training_run(vmc, recipe, rows, stats, exact, out):
    exact_energy, exact_source = exact
    relative = variance = v_score = None
    if stats is not None:
        energy = float(stats.mean.real)
        variance = stats.variance
        v_score = stats_lib.v_score(variance, energy, vmc.wavefunction.n_sites)
        if exact_energy is not None:
            relative = relative_error(energy, exact_energy)
    return TrainingRun(
        vmc=vmc,
        recipe=recipe,
        history=rows,
        energy=stats,
        exact_energy=exact_energy,
        exact_source=exact_source,
        relative_error=relative,
        variance=variance,
        v_score=v_score,
        out=out,
        interrupted=stats is None,
        stopped_by=None,
        steps=int(vmc.optimizer.iterations.numpy()),
        planned_steps=recipe.steps,
        wall_time_s=0.0,
        train_time_s=0.0,
    )


def _write_outputs(run):
    """Writes `model.keras` and `summary.json` (`history.csv`, `checkpoint.keras` and
    `energy.png` are written by the callbacks); a finished run's checkpoint is removed."""
    with run_folder.atomic_path(os.path.join(run.out, run_folder.MODEL)) as temporary:
        run.vmc.save(temporary)
    run_folder.write_json(os.path.join(run.out, run_folder.SUMMARY), run.summary())
    if not run.interrupted:
        os.remove(os.path.join(run.out, run_folder.CHECKPOINT))
