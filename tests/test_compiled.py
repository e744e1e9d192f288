"""`kerasnqs.compiled`: every `tf.function` of the library is made there, without AutoGraph."""

import ast
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasnqs
from kerasnqs import compiled
from kerasnqs.lattice import Chain
from kerasnqs.models import RNNWavefunction
from kerasnqs.operators import TFIM

PACKAGE = pathlib.Path(kerasnqs.__file__).parent


def _python_branch_on_a_tensor(x):
    if tf.reduce_sum(x) > 0:  # AutoGraph would turn this into a tf.cond
        return x
    return -x


def test_a_compiled_function_traces_without_autograph():
    function = compiled.function(_python_branch_on_a_tensor)
    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        function(tf.constant([1.0]))
    # The same function under AutoGraph traces: what `compiled` turns off.
    assert tf.function(_python_branch_on_a_tensor)(tf.constant([-1.0])).numpy() == 1.0


def _negative_in_numpy(x):
    return tf.numpy_function(np.negative, [x], tf.float32)


def test_a_compiled_function_compiles_with_xla_only_when_asked():
    x = tf.constant([1.5])
    assert compiled.function(_negative_in_numpy)(x).numpy().tolist() == [-1.5]
    with pytest.raises(tf.errors.InvalidArgumentError, match="unsupported operations"):
        compiled.function(_negative_in_numpy, jit_compile=True)(x)  # XLA cannot call NumPy


class _BranchingRNN(RNNWavefunction):
    """Branches in Python on a tensor of its samples, which only AutoGraph could trace."""

    def sample(self, n_samples, seed):
        configs, log_psi = super().sample(n_samples, seed)
        return _python_branch_on_a_tensor(tf.cast(configs, "float32")), log_psi


def test_the_training_step_is_traced_without_autograph():
    # Keras traces `train_step` unconverted; what the step calls must not need AutoGraph.
    chain = Chain(3)
    vmc = kerasnqs.VMC(_BranchingRNN(chain, units=2), TFIM(chain, h=1.0), n_samples=4, seed=0)
    vmc.compile(optimizer=keras.optimizers.SGD(0.01), jit_compile=False)
    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        vmc.fit(epochs=1, steps_per_epoch=1, verbose=0)


def _tf_function_uses(path):
    """The lines of `path` where `tf.function` is called or used as a decorator."""
    tree = ast.parse(path.read_text())
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "function"
            and isinstance(node.value, ast.Name)
            and node.value.id == "tf"
        ):
            lines.append(node.lineno)
    return lines


def test_the_library_makes_its_tf_functions_only_in_compiled():
    uses = {
        str(path.relative_to(PACKAGE)): _tf_function_uses(path)
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "compiled.py"
    }
    assert {path: lines for path, lines in uses.items() if lines} == {}
