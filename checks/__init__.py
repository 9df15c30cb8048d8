"""The built-in check modules, one small file each, grouped by family (network/, web/, ...).

Each module's docstring is its user documentation; the check catalogue (docs/checks.md) is
generated from it. The engine discovers checks here by walking this package; nothing registers
itself on import.
"""
