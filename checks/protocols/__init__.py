"""Protocol clients that checks share: one module per protocol, no checks.

Each module speaks one protocol over a :class:`scanner.api.Connection` (every read capped in
bytes and bounded by the check's deadline) and treats every byte from the target as hostile:
length fields are checked against fixed caps before anything is read, truncated answers are
refused, and parsers stop at what they cannot read. They raise the engine's outcomes
(``NotApplicable`` for another protocol, ``Inconclusive`` for silence); deciding what is a
finding and writing its evidence stays in the checks.

The registry walks this package like every other folder of ``checks``; its modules define no
:class:`~scanner.api.Check` subclass, so they add no check (and no problem).
"""
