"""Build step beyond pyproject.toml: the wheel ships the top-level folders as package data.

``scenarios/`` and ``notebooks/`` stay at the top of the repository (README, tests and
Binder use them there) and are mapped into the wheel as ``chansim/scenarios`` and
``chansim/notebooks``, where :func:`chansim.io.bundled_folder` finds them after an install.
"""

from setuptools import find_packages, setup

BUNDLED = {"chansim.scenarios": "scenarios", "chansim.notebooks": "notebooks"}

setup(packages=[*find_packages(include=["chansim", "chansim.*"]), *BUNDLED], package_dir=BUNDLED)
