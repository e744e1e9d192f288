"""The objects a recipe trains: the wavefunction, the optimizer and the compiled `VMC`.

`kerasnqs.train` calls these in order; a script that drives `VMC.fit` itself (as
`benchmarks/peers.py` does) can call them too, so that its model is the recipe's:

>>> import keras
>>> from kerasnqs.recipes import Recipe
>>> recipe = Recipe(size=6, units=8, steps=20, samples=64)
>>> lattice, hamiltonian = recipe.build_system()
>>> keras.utils.set_random_seed(recipe.seed)  # before any weight exists
>>> wavefunction = build_wavefunction(recipe, lattice, hamiltonian)
>>> vmc = build_vmc(recipe, wavefunction, hamiltonian)
>>> type(vmc.optimizer).__name__, type(vmc.preconditioner).__name__  # the tuned default
('SGD', 'SR')
"""

import keras

from kerasnqs.training.load import load_vmc


def build_wavefunction(recipe, lattice, hamiltonian=None, init_weights=True):
    """Returns the wavefunction of `recipe`, with its symmetries and initial weights.

    Call `keras.utils.set_random_seed(recipe.seed)` first to make the initial weights
    those of the recipe.

    Args:
        recipe: a `kerasnqs.Recipe`.
        lattice: its lattice (`recipe.build_system()`).
        hamiltonian: its Hamiltonian; needed for `recipe.symmetries`, each of which must
            leave it invariant.
        init_weights: load the weights of `recipe.init_from`, if set. Defaults to True
            (False when a checkpoint sets the weights).

    Returns:
        A `kerasnqs.models.Wavefunction`.

    Raises:
        ValueError: for a model that does not support the recipe's settings, weights of
            `init_from` that do not fit, or a symmetry the system does not have.
    """
    wavefunction = _model(recipe, lattice)
    if init_weights and recipe.init_from is not None:
        load_initial_weights(wavefunction, recipe.init_from)
    return symmetrize(wavefunction, recipe.symmetries, hamiltonian)


def _model(recipe, lattice):
    from kerasnqs.models import MixtureWavefunction, RNNWavefunction, TransformerWavefunction

    if recipe.model == "transformer":
        return TransformerWavefunction(
            lattice,
            d_model=recipe.d_model,
            n_heads=recipe.heads,
            n_layers=recipe.layers,
            phase=recipe.phase,
            magnetization=recipe.magnetization,
        )
    if recipe.model == "mixture":
        if recipe.phase or recipe.magnetization is not None:
            raise ValueError("--model mixture supports neither --phase nor --magnetization")
        return MixtureWavefunction(lattice, n_components=recipe.n_components)
    return RNNWavefunction(
        lattice,
        cell=recipe.cell,
        units=recipe.units,
        depth=recipe.depth,
        phase=recipe.phase,
        magnetization=recipe.magnetization,
    )


def symmetrize(wavefunction, names, hamiltonian):
    """Wraps `wavefunction` in a `SymmetricWavefunction` over the named symmetries.

    Args:
        wavefunction: the model built from the recipe.
        names: names from `kerasnqs.recipes.recipe.SYMMETRIES`; none returns
            `wavefunction` itself.
        hamiltonian: the operator trained for; each symmetry must leave it invariant.

    Returns:
        A `kerasnqs.models.Wavefunction`.

    Raises:
        ValueError: for a symmetry the lattice, the model or the Hamiltonian does not have.
    """
    if not names:
        return wavefunction
    from kerasnqs.models import SymmetricWavefunction
    from kerasnqs.operators.symmetry import is_symmetry

    try:
        symmetric = SymmetricWavefunction(wavefunction, list(names))
    except ValueError as error:
        raise ValueError(f"--symmetries: {error}") from None
    for name in names:
        if name == "spin-flip":
            invariant = is_symmetry(hamiltonian, spin_flip=True)
        else:
            generators = wavefunction.lattice.symmetry_generators(name)
            invariant = all(is_symmetry(hamiltonian, g) for g in generators)
        if not invariant:
            raise ValueError(
                f"--symmetries {name}: {hamiltonian!r} is not invariant under the {name}, so "
                "it is not a symmetry of the ground state"
            )
    return symmetric


def load_initial_weights(wavefunction, source):
    """Sets the weights of `wavefunction` to those of the model saved at `source`.

    Args:
        wavefunction: the freshly built wavefunction.
        source: a zoo name or folder, or a `.keras` file written by a training run.

    Raises:
        ValueError: if `source` cannot be read or its weights do not fit `wavefunction`.
    """
    from kerasnqs import zoo
    from kerasnqs.models import SymmetricWavefunction, TransformerWavefunction

    if not isinstance(source, str):
        raise ValueError(f"--init-from must be a zoo name or a path, got {source!r}")
    try:
        trained = load_vmc(source).wavefunction if source.endswith(".keras") else zoo.load(source)
    except (ValueError, OSError) as error:
        raise ValueError(f"--init-from: {error}") from None
    if isinstance(trained, SymmetricWavefunction):
        trained = trained.wavefunction  # its weights are those of the inner model
    if isinstance(wavefunction, TransformerWavefunction) and type(trained) is type(wavefunction):
        try:  # across lattice sizes: see TransformerWavefunction.set_weights_from
            return wavefunction.set_weights_from(trained)
        except ValueError as error:
            raise ValueError(f"--init-from {source!r}: {error}") from None
    shapes = [tuple(weight.shape) for weight in trained.weights]
    expected = [tuple(weight.shape) for weight in wavefunction.weights]
    if type(trained) is not type(wavefunction) or shapes != expected:
        raise ValueError(
            f"--init-from {source!r} holds a {type(trained).__name__} with weights of "
            f"shapes {shapes}, but the settings build a {type(wavefunction).__name__} with "
            f"{expected}: use the same --model, --cell, --units, --depth, --phase and "
            "lattice dimension"
        )
    wavefunction.set_weights(trained.get_weights())


def check_memory(recipe, wavefunction, hamiltonian):
    """Refuses `samples`, `eval_samples` or `size` whose step or final estimate cannot
    stay within `memory_budget` (see `kerasnqs.vmc.memory_budget`)."""
    from kerasnqs.vmc import memory_budget

    # Parsed as VMC parses it, so that a bad budget gets the same message as before.
    budget = memory_budget.parse_memory_budget(recipe.memory_budget)
    memory_budget.check_training_fits(
        wavefunction,
        hamiltonian,
        recipe.samples,
        budget,
        jit_compile=True,
        names=("--samples", "--memory-budget"),
    )
    names = ("--eval-samples", "--memory-budget")
    memory_budget.check_estimate_fits(recipe.eval_samples, budget, names=names)


def build_optimizer(recipe):
    """The recipe's optimizer: SGD with `sr`, else Adam, at `lr` decaying by a cosine
    to 1% of it over the recipe's steps (open settings chosen by `Recipe.resolved`)."""
    recipe = recipe.resolved()
    schedule = keras.optimizers.schedules.CosineDecay(
        recipe.lr, decay_steps=recipe.steps, alpha=0.01
    )
    return keras.optimizers.SGD(schedule) if recipe.sr else keras.optimizers.Adam(schedule)


def build_vmc(
    recipe, wavefunction, hamiltonian, optimizer=None, preconditioner="recipe", jit_compile=True
):
    """The compiled `kerasnqs.VMC` that trains `wavefunction` as the recipe says.

    Args:
        recipe: a `kerasnqs.Recipe`; its `chunk_size` None means `"auto"`.
        wavefunction: from `build_wavefunction`.
        hamiltonian: the operator trained for.
        optimizer: the optimizer; defaults to `build_optimizer(recipe)`.
        preconditioner: the VMC's preconditioner; defaults to the recipe's
            (`kerasnqs.vmc.SR(recipe.diag_shift)` with `recipe.sr`, else None; open
            settings chosen by `Recipe.resolved`).
        jit_compile: passed to `VMC.compile`. Defaults to True (XLA).

    Returns:
        A compiled `kerasnqs.VMC`.
    """
    from kerasnqs.vmc import SR, VMC

    recipe = recipe.resolved()
    if isinstance(preconditioner, str) and preconditioner == "recipe":
        preconditioner = SR(recipe.diag_shift) if recipe.sr else None
    vmc = VMC(
        wavefunction,
        hamiltonian,
        n_samples=recipe.samples,
        chunk_size="auto" if recipe.chunk_size is None else recipe.chunk_size,
        seed=recipe.seed,
        preconditioner=preconditioner,
        memory_budget=recipe.memory_budget,
    )
    vmc.compile(optimizer=optimizer or build_optimizer(recipe), jit_compile=jit_compile)
    return vmc
