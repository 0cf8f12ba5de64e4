"""Pytest set-up shared by the unit suite and the docstring examples of relu_lib.

Figures are drawn off-screen, and the docstring examples of the torch modules are left out (not
failed) where torch is not installed: `import relu_lib` needs only NumPy.
"""

import importlib.util

import matplotlib

matplotlib.use("Agg")

collect_ignore = []
if importlib.util.find_spec("torch") is None:
    collect_ignore += ["relu_lib/torch_path.py", "relu_lib/torch_nets.py"]
