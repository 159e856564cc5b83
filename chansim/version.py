"""The package version (one place, read by ``chansim.__version__`` and the results metadata)."""

__version__ = "0.1.0"
