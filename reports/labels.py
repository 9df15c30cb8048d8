"""The English labels of the codes the documents carry (levels, statuses, sectors, actions, modes),
marked for the catalogs; every format translates them through :func:`label`."""

from __future__ import annotations

from collections.abc import Callable

from reports.catalogs import N_

LABELS: dict[str, dict[str, str]] = {
    "level": {"high": N_("High risk"), "medium": N_("Medium risk"), "low": N_("Low risk")},
    "severity": {
        "critical": N_("Critical"),
        "high": N_("High"),
        "medium": N_("Medium"),
        "low": N_("Low"),
        "info": N_("Info"),
    },
    "status": {
        "open": N_("Open"),
        "reopened": N_("Reopened"),
        "fixed": N_("Fixed"),
        "accepted": N_("Accepted (waiver)"),
        "false_positive": N_("False positive"),
        "rectified": N_("Rectified"),
        "not_rectified": N_("Not rectified"),
        "could_not_verify": N_("Could not verify"),
    },
    "notice_status": {
        "issued": N_("Issued"),
        "partially_rectified": N_("Partially rectified"),
        "rectified": N_("Rectified"),
        "overdue": N_("Overdue"),
    },
    "sector": {
        "energy": N_("Energy"),
        "water": N_("Water"),
        "finance": N_("Finance"),
        "transport": N_("Transport"),
        "telecom": N_("Telecommunications"),
        "government": N_("Government"),
        "healthcare": N_("Healthcare"),
        "education": N_("Education"),
        "media": N_("Media"),
        "cloud": N_("Cloud and data centres"),
        "portal": N_("Portal websites"),
        "datacenter": N_("Data centres"),
        "other": N_("Other"),
        "manufacturing": N_("Manufacturing"),
    },
    "action": {
        "interview": N_("Interview"),
        "warning": N_("Warning"),
        "fine": N_("Fine"),
        "suspend_order": N_("Order to suspend"),
        "rectify_order": N_("Order to rectify"),
        "shutdown": N_("Website or service shut down"),
        "referral": N_("Case referral"),
    },
    "mode": {
        "remote": N_("Remote inspection"),
        "onsite": N_("On-site inspection"),
        "checklist": N_("Management checklist"),
    },
}

YES, NO = N_("Yes"), N_("No")


def label(translate: Callable[[str], str], code: str, kind: str) -> str:
    """The translated label of ``code`` among the ``kind`` codes; an unknown code as it is."""
    text = LABELS[kind].get(code)
    return translate(text) if text is not None else code
