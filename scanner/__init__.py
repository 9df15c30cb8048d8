"""The inspection scanner's engine: inventory, scope guard, check registry, execution, store, CLI.

Checks import only :mod:`scanner.api`; everything else here is the engine's own business.
"""

__version__ = "0.1.0"
