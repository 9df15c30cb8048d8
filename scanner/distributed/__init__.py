"""Scale-out: one run's jobs executed by Celery workers that write to a shared store.

The coordinator (``scanner run --broker URL``) does preflight, discovery and planning as a local
run does, then sends one task per asset (:mod:`.coordinator`); workers (``scanner worker``,
:mod:`.worker`) run each asset's jobs with the engine's code and store the attempts, idempotent
by attempt key. :mod:`.app` configures Celery from the broker URL, :mod:`.wire` carries jobs as
JSON. Celery is imported only here: the embedded default never loads it.
"""
