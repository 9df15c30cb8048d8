"""The closure letter: a short letter confirming that every item of a notice is rectified or
accepted. The formats that render it (:class:`reports.format.ClosureFormat`) take its context
from here, so the refusal of a notice with an open item is decided in one place."""

from __future__ import annotations

from datetime import date
from typing import Any

from reports.context import notice_context
from scanner.core.documents import Notice
from scanner.core.lifecycle import ITEM_CLOSED


def closure_context(notice: Notice, lang: str, day: date) -> dict[str, Any]:
    """The closure templates' context; a ValueError naming the items still open, if any."""
    still_open = [i for i in notice.items if i.status not in ITEM_CLOSED]
    if still_open:
        listed = ", ".join(f"#{i.rank} {i.check_id} ({i.status})" for i in still_open[:10])
        raise ValueError(
            f"notice {notice.number} has {len(still_open)} item(s) not rectified or accepted: "
            f"{listed}; a closure letter needs every item in {', '.join(sorted(ITEM_CLOSED))}"
        )
    context = notice_context(notice, lang)
    context["day"] = day
    context["by_status"] = {
        status: sum(i.status == status for i in notice.items) for status in sorted(ITEM_CLOSED)
    }
    return context
