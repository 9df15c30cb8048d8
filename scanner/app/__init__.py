"""Application services: what the CLI (and the coming web application and API) call.

Each takes plain typed arguments (paths, ids, options, an open store), returns typed results
and raises UserError; none prints or reads stdin (a confirmation is a callback the caller
passes). One module per area: ``compile`` (preflight, the compiled run), ``runs`` (start, rescan,
resume), ``verify``, ``validate``, ``results``, ``issues``, ``decisions`` (waive, false
positive), ``notices`` (notices, summary, explain), ``hostkeys`` and ``pinning`` (host-key pins
and their approval), ``onsite`` and ``catalogue`` (what checks run and generated references),
``checklist``, ``scheduler`` and ``schedules``, ``workers`` (scale-out).
"""
