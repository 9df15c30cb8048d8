"""The page that shows what changed between two runs (``scanner diff --html``), HTML only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.catalogs import N_, translations
from reports.templating import environment

#: The categories of a run diff, in the page's order, with their headings.
DIFF_GROUPS = (
    ("new", N_("New")),
    ("fixed", N_("Fixed")),
    ("reopened", N_("Reopened")),
    ("still_open", N_("Still open")),
    ("could_not_verify", N_("Could not verify")),
    ("not_checked_in_a", N_("Not checked in run {run}")),
    ("not_checked_in_b", N_("Not checked in run {run}")),
)


def render_diff(diff: Mapping[str, Any], lang: str) -> bytes:
    """What changed between two runs, as a self-contained HTML page. ``diff`` has ``a``, ``b``,
    ``counts`` and one list of item dicts per category of :data:`DIFF_GROUPS`."""
    env = environment(lang)
    catalog = translations(lang)
    runs = {"not_checked_in_a": diff["a"], "not_checked_in_b": diff["b"]}
    groups = [
        (key, catalog.gettext(label).format(run=runs.get(key, ""))) for key, label in DIFF_GROUPS
    ]
    return env.get_template("diff.html").render(diff=diff, groups=groups).encode("utf-8")
