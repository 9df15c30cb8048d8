"""Findings exported for DefectDojo: its *Generic Findings Import* JSON format.

One finding per tracked issue (active ones by default): title, severity (DefectDojo's
Critical/High/Medium/Low/Info), description with the evidence, mitigation, the issue's
fingerprint as ``unique_id_from_tool`` (so a re-import deduplicates), and the check id as
``vuln_id_from_tool``. DefectDojo imports the file with scan type "Generic Findings Import".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scanner.app.documents import registry
from scanner.core.lifecycle import ACTIVE, IssueState
from scanner.store import Store

SEVERITY = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "info": "Info",
}


def defectdojo(
    store: Store, *, entity: str | None = None, include_closed: bool = False, limit: int = 100000
) -> dict[str, Any]:
    """The Generic Findings Import document of the issues (of ``entity`` when given)."""
    checks = registry().checks
    states = () if include_closed else tuple(s.value for s in ACTIVE)
    found: list[dict[str, Any]] = []
    after = 0
    while len(found) < limit:
        page = store.views.issues(entity=entity, states=states, after=after, limit=1000)
        for issue in page.rows:
            loaded = checks.get(issue.check_id)
            meta = loaded.meta if loaded else None
            found.append(
                {
                    "title": meta.title if meta else issue.check_id,
                    "severity": SEVERITY.get(issue.severity, "Info"),
                    "date": datetime.fromtimestamp(issue.first_seen_at, UTC).date().isoformat(),
                    "description": (
                        f"Entity {issue.entity_id}, asset {issue.asset_id}, location "
                        f"{issue.location}.\n\nEvidence:\n{issue.evidence}"
                    ),
                    "mitigation": meta.remediation if meta else "",
                    "references": "\n".join(meta.references) if meta else "",
                    "unique_id_from_tool": issue.fingerprint,
                    "vuln_id_from_tool": issue.check_id,
                    "component_name": f"{issue.entity_id}/{issue.asset_id}",
                    "active": issue.state in ACTIVE,
                    "verified": True,
                    "false_p": issue.state == IssueState.FALSE_POSITIVE,
                    "risk_accepted": issue.state == IssueState.ACCEPTED,
                    "is_mitigated": issue.state == IssueState.FIXED,
                }
            )
        if page.next_after is None:
            break
        after = page.next_after
    return {"findings": found[:limit]}
