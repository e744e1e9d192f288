"""What `kerasnqs.train(resume=DIR)` checks before it continues the run in DIR.

A run folder records its recipe in `config.json` with the recipe's fingerprint, and
every checkpoint carries the recipe it was trained with; a run is continued only from
its own checkpoint, with its own settings, and only if it has not finished.
"""

import os

from kerasnqs import run_folder
from kerasnqs.recipes import KEYS, Recipe


def read_recipe(folder):
    """The recipe of the run in `folder`, from its `config.json`.

    Raises:
        ValueError: if `folder` holds no readable run settings.
    """
    path = os.path.join(folder, run_folder.CONFIG)
    if not os.path.isfile(path):
        raise ValueError(f"--resume {folder!r} holds no training run: no {run_folder.CONFIG}")
    saved = run_folder.read_json(path, "the settings of the run to resume")
    if isinstance(saved, dict):
        records = (run_folder.FINGERPRINT, run_folder.TRAINING_CHOICE, "out")
        saved = {k: v for k, v in saved.items() if k not in records}
    if not isinstance(saved, dict) or set(saved) - set(KEYS):
        raise ValueError(
            f"--resume: {path!r} does not hold the settings of a run; expected a JSON "
            f"object with keys among {sorted([*KEYS, 'out'])}"
        )
    return Recipe.from_dict(saved)


def find_checkpoint(out, steps_per_epoch):
    """The checkpoint of the run in `out` to continue, or None to start it over.

    Only a run stopped before its first epoch ended has no checkpoint and starts again
    from step 0.

    Raises:
        ValueError: if the run in `out` has finished (nothing to resume), or if its
            history records finished epochs but their checkpoint is missing.
    """
    path = os.path.join(out, run_folder.CHECKPOINT)
    if os.path.isfile(path):
        return path
    summary_path = os.path.join(out, run_folder.SUMMARY)
    if os.path.isfile(summary_path):
        summary = run_folder.read_json(summary_path, "the summary of the run to resume")
        if not summary.get("interrupted", False):
            raise ValueError(
                f"--resume {out!r} holds a finished run ({summary.get('steps')} steps): "
                "nothing to resume"
            )
    history_path = os.path.join(out, run_folder.HISTORY)
    rows = run_folder.read_history(history_path) if os.path.isfile(history_path) else []
    done = max((row["step"] for row in rows), default=0)
    if done >= steps_per_epoch:
        raise ValueError(
            f"--resume {out!r}: {run_folder.HISTORY} records {done // steps_per_epoch} "
            f"finished epoch(s) but {run_folder.CHECKPOINT} is missing, so the run cannot "
            "continue; start it again with a new --out (or --overwrite on this one)"
        )
    return None  # Stopped before its first epoch ended: it starts again from step 0.


def check_resumed_recipe(out, recipe, checkpoint):
    """Refuses to resume a run whose `config.json` or checkpoint is not the run's own.

    The checkpoint carries the settings it was trained with
    (`run_folder.CHECKPOINT_SETTINGS`), which must be those of `config.json`; without a
    checkpoint, `config.json` must still match the fingerprint recorded in it when the
    run started.

    Args:
        out: the run folder.
        recipe: the recipe read from its `config.json` (`read_recipe`).
        checkpoint: the path of its checkpoint, or None.

    Raises:
        ValueError: naming the settings that differ.
    """
    current = recipe.to_dict()
    if checkpoint is not None:
        try:
            trained = run_folder.read_json_from_archive(checkpoint, run_folder.CHECKPOINT_SETTINGS)
        except ValueError as error:
            raise ValueError(f"--resume: cannot load the checkpoint: {error}") from None
        if not isinstance(trained, dict):
            raise ValueError(
                f"--resume {out!r}: {run_folder.CHECKPOINT} does not record the settings it "
                "was trained with (it was not written by this run of kerasnqs train); "
                "start again with a new --out"
            )
        differences = [
            f"{key} {trained.get(key)!r} in {run_folder.CHECKPOINT} but "
            f"{current.get(key)!r} in {run_folder.CONFIG}"
            for key in sorted(set(trained) | set(current))
            if trained.get(key) != current.get(key)
        ]
        if differences:
            raise ValueError(
                f"--resume {out!r}: {run_folder.CHECKPOINT} was trained with other settings "
                f"than {run_folder.CONFIG}: {'; '.join(differences)}"
            )
    config = run_folder.read_json(os.path.join(out, run_folder.CONFIG), "the run's settings")
    fingerprint = recipe.fingerprint()
    if config.get(run_folder.FINGERPRINT, fingerprint) != fingerprint:
        raise ValueError(
            f"--resume {out!r}: {run_folder.CONFIG} was edited after the run started (its "
            f"settings no longer match their {run_folder.FINGERPRINT}); put back the "
            "settings the run started with, or start again with a new --out"
        )
