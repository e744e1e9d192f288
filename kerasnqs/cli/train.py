"""`kerasnqs train`: the flags and `--config` file become a `kerasnqs.Recipe`, which
`kerasnqs.train` trains; this module prints the result and chooses the exit status."""

import argparse
import shlex
import signal
import sys

import kerasnqs
from kerasnqs import run_folder
from kerasnqs.cli import system_args
from kerasnqs.cli.evaluate import format_result
from kerasnqs.recipes.recipe import DISTRIBUTE, KEYS, MODELS, SYMMETRIES, Recipe, read_toml

OUT = "kerasnqs-run"
"""The run folder when neither `--out` nor the config file names one."""

RUN_CONTROL = ("config", "resume", "overwrite")
"""Flags that say how to run, not what to train: no setting of the recipe."""

_DEFAULT = Recipe()


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="train a wavefunction by variational Monte Carlo",
        description=(
            "Train an autoregressive wavefunction to the ground state of a Hamiltonian and "
            "compare its energy with the exact one. With no flags: the open transverse-field "
            "Ising chain of 20 sites at h = 1."
        ),
    )
    system_args.add_system_arguments(parser)
    group = parser.add_argument_group("model and training")
    flag = _flag_adder(group)
    group.add_argument("--model", choices=MODELS, help=f"wavefunction family ({_DEFAULT.model})")
    flag("cell", str, "RNN cell: gru, vanilla or tensor-gru (square lattices)")
    flag("units", int, "hidden units per cell")
    flag("depth", int, "stacked RNN cells")
    flag("d_model", int, "transformer width")
    flag("heads", int, "transformer attention heads")
    flag("layers", int, "transformer blocks")
    group.add_argument("--phase", action="store_true", help="complex wavefunction with a phase")
    flag("n_components", int, "mixture components")
    flag("samples", int, "samples per training step")
    flag("steps", int, "training steps")
    flag("steps_per_epoch", int, "steps per logged epoch")
    flag("lr", float, "initial learning rate, of Adam, or of SGD with --sr")
    group.add_argument(
        "--sr",
        action=argparse.BooleanOptionalAction,
        help="precondition with stochastic reconfiguration (kerasnqs.vmc.SR) and train "
        "with SGD, or (--no-sr) train with Adam (the measured best for the system: SR on "
        "every system measured so far)",
    )
    flag("diag_shift", float, "SR diagonal shift")
    flag("seed", int, "random seed")
    group.add_argument(
        "--chunk-size",
        type=int,
        help="connected configurations evaluated at once (default: the most that fit in "
        "--memory-budget)",
    )
    group.add_argument(
        "--memory-budget",
        metavar="SIZE",
        help="working memory of the local energies, e.g. 2GB or 800MB (1GiB)",
    )
    flag("eval_samples", int, "samples of the final estimate")
    group.add_argument(
        "--init-from",
        metavar="MODEL",
        help="start from the weights of a zoo model (name or folder) or of a model.keras "
        "written by kerasnqs train, with the same architecture; an RNN's weights are "
        "shared by all sites, so a model of a smaller lattice can start a larger one",
    )
    group.add_argument(
        "--symmetries",
        metavar="LIST",
        help="average the model over a symmetry group, keeping exact sampling; a "
        "comma-separated subset of " + ", ".join(SYMMETRIES) + ": translation needs --pbc, "
        "rotation the square lattice (90 degrees when LX = LY, else 180), spin-flip no "
        "--magnetization or 0, and each must be a symmetry of the Hamiltonian (not "
        "translation with --marshall-sign on an odd ring, for example); a step costs one "
        "model evaluation per group element and configuration (on a 20-site ring: 20 "
        "elements with translation, 40 with translation,reflection) (none)",
    )
    group.add_argument("--out", help=f"output folder ({OUT})")
    group.add_argument(
        "--distribute",
        choices=DISTRIBUTE,
        help="train on several devices (mirrored) or machines (multi-worker, cluster from "
        "TF_CONFIG or Slurm; only the chief writes --out); see docs/distributed.md "
        f"({_DEFAULT.distribute})",
    )
    group.add_argument(
        "--devices", type=int, help="split the CPU into N logical devices (to try --distribute)"
    )
    group.add_argument("--config", help="a TOML file with the same keys as the flags")
    _add_run_control_arguments(parser)
    # Every flag defaults to None so that a config file can fill what the command line
    # leaves out; the defaults are the recipe's (`kerasnqs.Recipe`).
    parser.set_defaults(**dict.fromkeys(vars(parser.parse_args([]))))
    return parser


def _flag_adder(group):
    """Adds `--KEY` (dashes for underscores) with its recipe default in the help."""

    def add(key, kind, text):
        flag = "--" + key.replace("_", "-")
        default = getattr(_DEFAULT, key)
        default = "the measured best for the system" if default is None else default
        group.add_argument(flag, type=kind, help=f"{text} ({default})")

    return add


def _add_run_control_arguments(parser):
    """Adds `--resume` and `--overwrite` to the `train` parser."""
    group = parser.add_argument_group("interruption and resumption")
    group.add_argument(
        "--resume",
        metavar="DIR",
        help="continue the run in DIR (interrupted, or stopped by Ctrl-C or SIGTERM) from "
        "its last checkpoint to its planned number of steps, with the settings of its "
        "config.json; takes no other flag. A checkpoint is written at the end of every "
        "epoch",
    )
    group.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run already in --out (refused without this flag)",
    )


def recipe_and_out(args):
    """The recipe and the run folder of parsed flags: the recipe's defaults, then the
    `--config` file, then the flags given.

    Returns:
        `(recipe, out)`: a `kerasnqs.Recipe` and the folder (`--out`, or `out` in the
        config file, or `OUT`).
    """
    settings = {"out": OUT}
    if args.config is not None:
        settings.update(read_toml(args.config, known=(*KEYS, "out")))
    settings.update(
        (key, value)
        for key, value in vars(args).items()
        if key in (*KEYS, "out") and value is not None
    )
    out = settings.pop("out")
    return Recipe.from_dict(settings), out


def _check_resume_alone(args):
    others = [
        "--" + key.replace("_", "-")
        for key, value in vars(args).items()
        if key in (*KEYS, "out", *RUN_CONTROL) and key != "resume" and value is not None
    ]
    if others:
        raise ValueError(
            f"--resume {args.resume!r} continues that run with the settings of its "
            f"{run_folder.CONFIG}; drop {', '.join(others)}"
        )


def run(args):
    """Trains the recipe of the flags, or continues the run of `--resume DIR`, and prints
    the result; returns the exit status (128 + the signal's number after a stop)."""
    recipe = out = None
    if args.resume is None:
        recipe, out = recipe_and_out(args)
    else:
        _check_resume_alone(args)
    overwrite = bool(args.overwrite)
    if recipe is not None and recipe.training_choice():
        print(f"training: {recipe.training_choice()}")
    try:
        run = kerasnqs.train(recipe, out=out, resume=args.resume, overwrite=overwrite, verbose=2)
    except KeyboardInterrupt as error:  # a second signal: the last checkpoint stays
        print(f"kerasnqs: interrupted; {resume_hint(args.resume or out)}", file=sys.stderr)
        return 128 + _signal_of(error)
    if run.interrupted:
        print(stop_message(run), file=sys.stderr)
        return 128 + run.stopped_by
    print(format_result(run.energy, run.exact_energy, run.relative_error, run.wall_time_s))
    print(f"wrote {run.out}/: config.json history.csv energy.png model.keras summary.json")
    return 0


def _signal_of(interrupt):
    """The signal behind a `KeyboardInterrupt` (`SignalStop` names it), SIGINT if none."""
    name = str(interrupt)
    return signal.Signals[name] if name in signal.Signals.__members__ else signal.SIGINT


def stop_message(run):
    """The line printed when a signal stopped training or the final estimate of `run`."""
    name = signal.Signals(run.stopped_by).name
    out = run.out
    if run.steps == run.planned_steps:
        return (
            f"kerasnqs: stopped by {name} after all {run.steps} steps, before the "
            f"final estimate ended; wrote {out}/ without it (summary.json says "
            f"interrupted); make it with: kerasnqs train --resume {shlex.quote(out)}"
        )
    steps_per_epoch = run.recipe.steps_per_epoch
    checkpoint_step = run.steps // steps_per_epoch * steps_per_epoch
    checkpoint = (
        f"its checkpoint is at step {checkpoint_step}"
        if checkpoint_step
        else "no epoch ended, so there is no checkpoint and it starts again"
    )
    return (
        f"kerasnqs: stopped by {name} after step {run.steps} "
        f"of {run.planned_steps}; wrote {out}/ (summary.json says interrupted); "
        f"{checkpoint}; {resume_hint(out)}"
    )


def resume_hint(out):
    """The end of the line printed when a run is interrupted."""
    return f"continue with: kerasnqs train --resume {shlex.quote(out)}"
