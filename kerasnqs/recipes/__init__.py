"""Recipes: what a training run trains, as data read without TensorFlow.

- `Recipe`: every setting of a run (system, model, training) with its default;
- `build_system(keys)`: the lattice and Hamiltonian of the system keys
  (`kerasnqs.recipes.system`);
- `kerasnqs.recipes.checks`: the checks of the settings shared with `kerasnqs evaluate`.

`kerasnqs.train(recipe)` trains a recipe; `kerasnqs.zoo.recipe(name)` is the recipe of a
zoo model.
"""

from kerasnqs.recipes.recipe import KEYS, Recipe, epoch_length, parse_symmetries
from kerasnqs.recipes.system import build_system, describe

__all__ = ["KEYS", "Recipe", "build_system", "describe", "epoch_length", "parse_symmetries"]
