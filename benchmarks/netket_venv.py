"""NetKet's own virtual environment, shared by the benchmarks that compare with it.

NetKet is not a dependency of kerasnqs, and JAX and TensorFlow do not need to share a
process: the benchmarks run NetKet's side as a child script with the Python of
`benchmarks/.venv-netket`, created on first use by `ensure_netket()`.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NETKET_VENV = os.path.join(HERE, ".venv-netket")
NETKET_PYTHON = os.path.join(NETKET_VENV, "bin", "python")
NETKET_REQUIREMENT = "netket==3.23.*"


def ensure_netket():
    """Creates NetKet's own virtual environment on first use.

    Returns:
        The path of the environment's Python.
    """
    if not os.path.exists(NETKET_PYTHON):
        print(f"setting up NetKet in {NETKET_VENV} (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", NETKET_VENV], check=True)
        pip = [NETKET_PYTHON, "-m", "pip", "install", "--quiet", NETKET_REQUIREMENT]
        subprocess.run(pip, check=True)
    return NETKET_PYTHON
