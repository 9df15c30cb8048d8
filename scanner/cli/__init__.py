"""The ``scanner`` command: argument parsing and printing, nothing else.

``main`` is the group of :mod:`scanner.cli.entry`, which imports a command's module only when it
runs. Import it from there (or, with every command registered, from :mod:`scanner.cli.main`):
once the submodule ``scanner.cli.main`` is imported, the package attribute ``main`` names that
module, not the group.
"""

from scanner.cli.entry import main

__all__ = ["main"]
