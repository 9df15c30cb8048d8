"""Values the pages translate at run time (``_(issue.state)``, ``_(user.role)``...), marked so
that ``scripts/extract_messages.py`` puts them in the ``web`` catalog with the pages' texts."""

from __future__ import annotations

from reports.catalogs import N_

LABELS = (
    # roles
    N_("admin"),
    N_("lead"),
    N_("inspector"),
    N_("viewer"),
    N_("liaison"),
    # issue states, run and request statuses, proposal kinds and statuses
    N_("open"),
    N_("fixed"),
    N_("reopened"),
    N_("accepted"),
    N_("false_positive"),
    N_("running"),
    N_("completed"),
    N_("failed"),
    N_("interrupted"),
    N_("queued"),
    N_("done"),
    N_("waiver"),
    N_("pending"),
    N_("approved"),
    N_("rejected"),
    # severities and risk levels
    N_("critical"),
    N_("high"),
    N_("medium"),
    N_("low"),
    N_("info"),
    # notice and item statuses
    N_("issued"),
    N_("partially_rectified"),
    N_("rectified"),
    N_("overdue"),
    N_("not_rectified"),
    N_("could_not_verify"),
    # error pages
    N_("Not found"),
    N_("Forbidden"),
    N_("Log in first"),
    N_("Bad request"),
    N_("The form has expired or is not ours (CSRF)"),
)
