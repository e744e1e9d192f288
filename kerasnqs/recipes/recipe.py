"""`Recipe`: every setting of a training run, with its default, as one frozen object."""

import dataclasses
import json
import math
import sys

from kerasnqs import sha256, validation
from kerasnqs.recipes import checks, tuned
from kerasnqs.recipes.system import DEFAULTS as SYSTEM_DEFAULTS
from kerasnqs.recipes.system import build_system, check_system

MODELS = ("rnn", "transformer", "mixture")
"""The wavefunction families a recipe's `model` names."""

CELLS = ("gru", "vanilla", "tensor-gru")
"""The RNN cells a recipe's `cell` names: the names of
`kerasnqs.models.rnn_wavefunction.CELLS`, spelled here so that a recipe is read without
TensorFlow (a test checks they agree). `"tensor-gru"` is for square lattices."""

DISTRIBUTE = ("none", "mirrored", "multi-worker")
"""The names `distribute` accepts: `kerasnqs.vmc.distributed.STRATEGIES`, spelled here
so that a recipe is read without TensorFlow (a test checks they agree)."""

SYMMETRIES = ("translation", "reflection", "rotation", "spin-flip")
"""The names `symmetries` accepts (see `kerasnqs.models.SymmetricWavefunction`)."""

_COUNTS = ("samples", "eval_samples", "steps", "steps_per_epoch", "chunk_size", "units")
_COUNTS += ("depth", "n_components", "d_model", "heads", "layers", "devices")
"""The settings that are counts, in the order they are checked."""


@dataclasses.dataclass(frozen=True)
class Recipe:
    """What a training run trains: the system, the model and how it is trained.

    A recipe is data, read without TensorFlow. The flags of `kerasnqs train`, its
    `--config` TOML files, the `config.json` of a run folder, the zoo's recipes
    (`zoo/recipes/*.toml`, `kerasnqs.zoo.recipe`) and the settings recorded in a zoo
    model's metadata are all this one object; `kerasnqs.train(recipe)` trains it. Every
    field is checked when the recipe is made (`replace` and `from_dict` included), with
    a message naming the setting by its flag. Where a run writes (`out`) is not part of
    it.

    Args:
        system: the Hamiltonian: `"tfim"`, `"heisenberg"` or `"j1j2"`.
        lattice: `"chain"` or `"square"`.
        size: sites of a chain; `"LXxLY"` or a square number for a square lattice.
        pbc: periodic boundary conditions.
        h: transverse field of the TFIM.
        j2: next-nearest-neighbour coupling of the J1-J2 model.
        marshall_sign: rotate the Heisenberg or J1-J2 Hamiltonian by the Marshall sign.
        magnetization: total S^z of the sector, or None for all sectors.
        model: the wavefunction family: `"rnn"`, `"transformer"` or `"mixture"`.
        cell: the RNN cell, `"gru"`, `"vanilla"` or (on a square lattice) `"tensor-gru"`.
        units: hidden units per RNN cell.
        depth: stacked RNN cells.
        d_model: transformer width.
        heads: transformer attention heads.
        layers: transformer blocks.
        phase: a complex wavefunction with a phase.
        n_components: mixture components.
        symmetries: names from `SYMMETRIES` to average the model over (a tuple; a
            comma-separated str is read too), or empty for none.
        samples: samples per training step.
        steps: training steps, a whole number of epochs.
        steps_per_epoch: steps per logged epoch (and checkpoint); a run shorter than
            one epoch is one epoch of `steps` steps.
        lr: the initial learning rate, of Adam, or of SGD with `sr`; it decays by a
            cosine to 1% of it over the steps. None (the default): the measured best for
            the system (`kerasnqs.recipes.tuned`).
        sr: precondition with stochastic reconfiguration (`kerasnqs.vmc.SR`), with SGD,
            or train with Adam (False). None (the default): whichever measured best for
            the system, SR for every system measured so far.
        diag_shift: the diagonal shift of SR; None (the default): the measured best.
        seed: the seed of the initial weights and of the samples.
        chunk_size: connected configurations evaluated at once; None means `"auto"`,
            the most that fit in `memory_budget`.
        memory_budget: working memory of the local energies, e.g. `"2GB"`; None is 1 GiB.
        eval_samples: samples of the final estimate of the energy.
        init_from: start from the weights of a zoo model (name or folder) or of a
            `model.keras` written by a run, or None.
        distribute: `"none"`, `"mirrored"` (several devices) or `"multi-worker"`.
        devices: split the CPU into this many logical devices (to try `distribute`).

    Example:

    >>> recipe = Recipe(size=6, units=8, steps=20)
    >>> recipe.steps_per_epoch  # a run shorter than an epoch is one epoch
    20
    >>> recipe.replace(lr=float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: --lr must be a finite positive number, got inf
    >>> Recipe.from_dict(recipe.to_dict()) == recipe
    True
    """

    system: str = SYSTEM_DEFAULTS["system"]
    lattice: str = SYSTEM_DEFAULTS["lattice"]
    size: int | str = SYSTEM_DEFAULTS["size"]
    pbc: bool = SYSTEM_DEFAULTS["pbc"]
    h: float = SYSTEM_DEFAULTS["h"]
    j2: float = SYSTEM_DEFAULTS["j2"]
    marshall_sign: bool = SYSTEM_DEFAULTS["marshall_sign"]
    magnetization: float | None = SYSTEM_DEFAULTS["magnetization"]
    model: str = "rnn"
    cell: str = "gru"
    units: int = 32
    depth: int = 1
    d_model: int = 32
    heads: int = 4
    layers: int = 2
    phase: bool = False
    n_components: int = 8
    symmetries: tuple = ()
    samples: int = 500
    steps: int = 1000
    steps_per_epoch: int = 25
    lr: float | None = None
    sr: bool | None = None
    diag_shift: float | None = None
    seed: int = 0
    chunk_size: int | None = None
    memory_budget: str | None = None
    eval_samples: int = 50000
    init_from: str | None = None
    distribute: str = "none"
    devices: int | None = None

    def __post_init__(self):
        self.validate()
        set_field = object.__setattr__  # the normal forms of two fields, once checked
        set_field(self, "steps_per_epoch", epoch_length(self.steps, self.steps_per_epoch))
        set_field(self, "symmetries", tuple(parse_symmetries(self.symmetries)))

    def validate(self):
        """Checks every field (run when the recipe is made); raises a `ValueError`
        naming the first setting that is not what is expected, by its flag."""
        for key in _COUNTS:
            value = getattr(self, key)
            if key in ("samples", "eval_samples"):
                checks.samples(value, f"--{_flag(key)}")
            elif value is not None:
                checks.positive_integer(f"--{_flag(key)}", value)
        if self.lr is not None and not validation.is_finite_positive(self.lr):
            raise ValueError(f"--lr must be a finite positive number, got {self.lr!r}")
        checks.seed(self.seed)
        if not isinstance(self.phase, bool):
            raise ValueError(f"--phase must be true or false, got {self.phase!r}")
        for key, choices in (("model", MODELS), ("cell", CELLS), ("distribute", DISTRIBUTE)):
            value = getattr(self, key)
            if value not in choices:
                raise ValueError(f"--{key} must be one of {', '.join(choices)}, got {value!r}")
        init_from = self.init_from
        if init_from is not None and (not isinstance(init_from, str) or not init_from.strip()):
            raise ValueError(f"--init-from must be a path (text), got {init_from!r}")
        epoch_length(self.steps, self.steps_per_epoch)
        if self.sr is not None and not isinstance(self.sr, bool):
            raise ValueError(f"sr must be true or false, got {self.sr!r}")
        if self.diag_shift is not None and not validation.is_finite_positive(self.diag_shift):
            raise ValueError(f"--diag-shift must be a finite number > 0, got {self.diag_shift!r}")
        parse_symmetries(self.symmetries)
        check_system(self.system_keys())

    @classmethod
    def from_dict(cls, mapping):
        """Makes a recipe from a mapping of settings; keys with dashes are read too.

        Missing keys take their defaults. Raises a `ValueError` for an unknown key.
        """
        if not hasattr(mapping, "items"):
            raise ValueError(f"a recipe must be a mapping of settings, got {mapping!r}")
        settings = {str(key).replace("-", "_"): value for key, value in mapping.items()}
        unknown = sorted(set(settings) - set(KEYS))
        if unknown:
            raise ValueError(f"the recipe has unknown keys {unknown}; allowed: {sorted(KEYS)}")
        return cls(**settings)

    def to_dict(self):
        """The settings as a dict keyed with underscores (`symmetries` as a list), as
        JSON and TOML write them."""
        settings = dataclasses.asdict(self)
        settings["symmetries"] = list(self.symmetries)
        return settings

    @classmethod
    def from_toml(cls, path):
        """Reads a recipe from a TOML file whose keys are settings (dashes or underscores)."""
        return cls.from_dict(read_toml(path, KEYS))

    def to_toml(self, comments=()):
        """The recipe as TOML text: `comments` as `#` lines, then one `key = value` line
        per setting, in alphabetical order (settings that are None are left out)."""
        lines = [f"# {line}".rstrip() for line in comments]
        lines += [
            f"{key} = {_toml_value(key, value)}"
            for key, value in sorted(self.to_dict().items())
            if value is not None
        ]
        return "\n".join(lines) + "\n"

    def replace(self, **changes):
        """A copy of the recipe with some settings changed (and checked again).

        Example:

        >>> Recipe().replace(size=30, init_from="tfim-chain-20-h1").size
        30
        """
        return dataclasses.replace(self, **changes)

    def resolved(self):
        """The recipe with its open training settings chosen (`kerasnqs.recipes.tuned`).

        `sr`, `lr` and `diag_shift` left at None take the values that measured best for
        the system; what `kerasnqs.train` trains and a run folder's `config.json` records.

        Example:

        >>> recipe = Recipe(system="heisenberg", size=20, pbc=True).resolved()
        >>> recipe.sr, recipe.lr, recipe.diag_shift
        (True, 0.05, 1e-05)
        >>> Recipe(sr=False).resolved().lr
        0.01
        """
        chosen, _ = tuned.choose(self.to_dict())
        return self.replace(**chosen)

    def training_choice(self):
        """A line saying how the open training settings are chosen, or "" if none is open.

        Example:

        >>> Recipe(system="heisenberg", size=20, pbc=True, lr=0.1).training_choice()[:50]
        'SR (SGD 0.1, diag shift 1e-05); chose sr, diag_shi'
        """
        return tuned.choose(self.to_dict())[1]

    def fingerprint(self):
        """The sha256 of the settings as canonical JSON, as a hex string: what a run
        folder's `config.json` records to recognize its own settings on `--resume`."""
        return sha256.json_sha256(self.to_dict())

    def system_keys(self):
        """The settings that choose the system (`kerasnqs.recipes.system.DEFAULTS`)."""
        return {key: getattr(self, key) for key in SYSTEM_DEFAULTS}

    def build_system(self):
        """Returns `(lattice, hamiltonian)` (see `kerasnqs.recipes.build_system`).

        Example:

        >>> Recipe(system="heisenberg", size=6, pbc=True).build_system()[1]
        Heisenberg(lattice=Chain(n=6, pbc=True), J=1.0, marshall_sign=False)
        """
        return build_system(self.system_keys())


KEYS = tuple(field.name for field in dataclasses.fields(Recipe))
"""The settings of a recipe, in the order of its fields."""


def epoch_length(steps, steps_per_epoch):
    """The steps of each epoch of a run of `steps` steps: all epochs are equally long.

    Like `keras.Model.fit`, a run is a whole number of epochs of `steps_per_epoch`
    steps, so `steps` must be a multiple of it; a run shorter than one epoch is one
    epoch of `steps` steps.

    Returns:
        `steps_per_epoch`, or `steps` if that is smaller.

    Raises:
        ValueError: if `steps` is larger than `steps_per_epoch` but not a multiple of it.

    Example:

    >>> epoch_length(3, 2)
    Traceback (most recent call last):
    ...
    ValueError: --steps (3) must be a multiple of --steps-per-epoch (2), for example --steps 2 or 4
    """
    if steps <= steps_per_epoch:
        return steps
    if steps % steps_per_epoch:
        raise ValueError(
            f"--steps ({steps}) must be a multiple of --steps-per-epoch ({steps_per_epoch}), "
            f"for example --steps {steps - steps % steps_per_epoch} or "
            f"{steps - steps % steps_per_epoch + steps_per_epoch}"
        )
    return steps_per_epoch


def parse_symmetries(value):
    """Returns the `--symmetries` names as a list (empty for none).

    Args:
        value: `None`, a comma-separated str such as `"translation,spin-flip"`, or a
            list or tuple of names (from a config file or a recipe).

    Returns:
        A list of distinct names from `SYMMETRIES`, in the order given.

    Example:

    >>> parse_symmetries("translation, spin-flip,translation")
    ['translation', 'spin-flip']
    """
    if value is None:
        return []
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"--symmetries must be a comma-separated list of names, got {value!r}")
    names = [name.strip() for name in names if name.strip()]
    unknown = [name for name in names if name not in SYMMETRIES]
    if unknown:
        raise ValueError(
            f"--symmetries has unknown name(s) {unknown}; choose from {', '.join(SYMMETRIES)}"
        )
    return list(dict.fromkeys(names))


def read_toml(path, known):
    """Reads a TOML config file whose keys are settings (dashes or underscores).

    Args:
        path: the TOML file.
        known: the allowed keys.

    Returns:
        A dict keyed with underscores.

    Raises:
        ValueError: for a file that cannot be read, is not TOML, or has unknown keys.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with open(path, "rb") as file:
            raw = tomllib.load(file)
    except OSError as error:
        raise ValueError(f"cannot read --config {path!r}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ValueError(
            f"--config {path!r} is not UTF-8 text (byte {error.start}): a TOML file is expected"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"--config {path!r} is not valid TOML: {error}") from None
    config = {key.replace("-", "_"): value for key, value in raw.items()}
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise ValueError(f"--config {path!r} has unknown keys {unknown}; allowed: {sorted(known)}")
    return config


def _toml_value(key, value):
    """A setting as a TOML value: a bool, an int, a finite float, a string or a list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(key, item) for item in value) + "]"
    raise ValueError(f"the recipe setting {key!r} = {value!r} has no TOML form")


def _flag(key):
    return key.replace("_", "-")
