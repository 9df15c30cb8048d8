"""The ``scanner`` command: argument parsing and printing, nothing else."""

from scanner.cli.main import main

__all__ = ["main"]
