"""relu_lib: the library behind relu-book; the NumPy reference API is re-exported here."""
from relu_lib.reference import *  # noqa: F401,F403
from relu_lib.reference import __all__

__version__ = "0.1.0"
