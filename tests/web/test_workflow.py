"""The application's work, over HTTP on 127.0.0.1: propose and approve a waiver, reject a false
positive, notices downloaded in every format and language, a liaison's reply, a queued rescan,
the API's lists and pagination, the DefectDojo export, and every state change audited."""

from __future__ import annotations

import re
from datetime import date, timedelta

import requests

from reports.render import FORMATS, LANGUAGES
from scanner.app.accounts import create_token
from tests.web.client import logged_in
from tests.web.site import Served


def test_inspector_proposes_a_waiver_and_a_lead_approves_it(served: Served) -> None:
    issue = served.ids["issue_ent"]
    inspector = logged_in(served.url, "inspector")
    until = (date.today() + timedelta(days=30)).isoformat()
    form = {"kind": "waiver", "reason": "compensating control", "until": until}
    token = inspector.csrf(f"/issues/{issue}")
    assert (
        inspector.post(f"/issues/{issue}/propose", data={**form, "csrf": token}).status_code == 303
    )
    [proposal] = served.store.reviews.proposals(issue_id=issue)
    assert proposal.status == "pending" and proposal.proposed_by == "inspector"
    # An inspector cannot approve it.
    token = inspector.csrf("/proposals")
    assert (
        inspector.post(f"/proposals/{proposal.id}/approve", data={"csrf": token}).status_code == 403
    )
    lead = logged_in(served.url, "lead")
    token = lead.csrf("/proposals")
    assert lead.post(f"/proposals/{proposal.id}/approve", data={"csrf": token}).status_code == 303
    found = served.store.issues.get(issue)
    assert found.state == "accepted" and found.waiver_approver == "lead"
    page = lead.get(f"/issues/{issue}").text
    assert "compensating control" in page and "waiver.approved" in page
    trail = served.store.audit.of("issue", issue)
    assert [a.action for a in trail] == ["waiver.proposed", "waiver.approved"]
    assert all(a.source == "127.0.0.1" for a in trail)
    # Deciding twice is refused.
    assert lead.post(f"/proposals/{proposal.id}/approve", data={"csrf": token}).status_code == 400


def test_a_rejected_false_positive_changes_nothing(served: Served) -> None:
    issue = served.ids["issue_other"]
    inspector = logged_in(served.url, "inspector")
    token = inspector.csrf(f"/issues/{issue}")
    form = {"kind": "false_positive", "reason": "not redis", "csrf": token}
    assert inspector.post(f"/issues/{issue}/propose", data=form).status_code == 303
    [proposal] = served.store.reviews.proposals(issue_id=issue)
    lead = logged_in(served.url, "lead")
    token = lead.csrf("/proposals")
    response = lead.post(f"/proposals/{proposal.id}/reject", data={"csrf": token, "note": "it is"})
    assert response.status_code == 303
    assert served.store.issues.get(issue).state == "open"
    assert served.store.reviews.proposal(proposal.id).status == "rejected"  # type: ignore[union-attr]


def test_notices_download_in_every_format_and_language(served: Served) -> None:
    viewer = logged_in(served.url, "viewer")
    notice = served.ids["notice_ent"]
    for lang in LANGUAGES:
        for fmt in FORMATS:
            response = viewer.get(f"/notices/{notice}/download?fmt={fmt}&doc_lang={lang}")
            assert response.status_code == 200, (fmt, lang)
            assert response.headers["content-disposition"].startswith("attachment;")
            assert response.content
    pdf = viewer.get(f"/notices/{notice}/download?fmt=pdf&doc_lang=zh-CN")
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    assert viewer.get(f"/notices/{notice}/download?fmt=exe").status_code == 404
    zh = viewer.get(f"/notices/{notice}?lang=zh-CN").text
    assert "整改" in zh or "通知" in zh


def test_a_liaison_replies_with_a_file_and_size_limits_hold(served: Served) -> None:
    notice = served.ids["notice_ent"]
    liaison = logged_in(served.url, "liaison")
    token = liaison.csrf(f"/notices/{notice}")
    response = liaison.post(
        f"/notices/{notice}/replies",
        data={"body": "fixed on 1 Dec", "csrf": token},
        files={"files": ("../../etc/passwd\x07.txt", b"evidence", "text/plain")},
    )
    assert response.status_code == 303, response.text
    [reply] = served.store.replies.of_notice(notice)
    assert reply.author == "liaison" and reply.files[0].filename == "passwd_.txt"
    big = b"x" * (served_limit(served) + 1)
    response = liaison.post(
        f"/notices/{notice}/replies",
        data={"body": "too big", "csrf": token},
        files={"files": ("big.bin", big, "application/octet-stream")},
    )
    assert response.status_code == 400
    assert len(served.store.replies.of_notice(notice)) == 1
    assert "reply.posted" in [a.action for a in served.store.audit.recent(entity="ent")]


def served_limit(served: Served) -> int:
    return 5 * 1024 * 1024


def test_a_rescan_asked_for_on_the_web_is_queued_not_run(served: Served) -> None:
    notice = served.ids["notice_other"]
    runs_before = served.store.runs.latest_id()
    inspector = logged_in(served.url, "inspector")
    token = inspector.csrf(f"/notices/{notice}")
    assert inspector.post(f"/notices/{notice}/rescan", data={"csrf": token}).status_code == 303
    [request] = served.store.reviews.requests(notice_id=notice)
    assert request.status == "queued" and request.requested_by == "inspector"
    assert served.store.runs.latest_id() == runs_before  # nothing ran in the web process
    liaison = logged_in(served.url, "liaison")
    token = liaison.csrf("/")
    assert liaison.post(f"/notices/{notice}/rescan", data={"csrf": token}).status_code == 404


def test_api_lists_pages_and_filters(served: Served) -> None:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {create_token(served.store, 'viewer')}"
    base = served.url + "/api/v1"
    first = http.get(f"{base}/issues?limit=2", timeout=30).json()
    assert len(first["items"]) == 2
    assert all("id" in i and "entity_id" in i for i in first["items"])
    rest = http.get(f"{base}/issues?limit=2&after={first['next_after']}", timeout=30).json()
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert ids == sorted(set(ids))
    one = http.get(f"{base}/issues/{ids[0]}", timeout=30).json()
    assert one["id"] == ids[0] and one["events"]
    assert http.get(f"{base}/issues?limit=501", timeout=30).status_code == 422
    other = http.get(f"{base}/issues?entity=other", timeout=30).json()["items"]
    assert other and {i["entity_id"] for i in other} == {"other"}
    assert http.get(f"{base}/runs", timeout=30).json()["items"]
    assert http.get(f"{base}/notices", timeout=30).json()["items"]
    assert http.get(f"{base}/entities", timeout=30).json()["items"]
    pdf = http.get(f"{base}/notices/{served.ids['notice_ent']}?format=pdf", timeout=30)
    assert pdf.content.startswith(b"%PDF")
    schema = http.get(f"{base}/openapi.json", timeout=30).json()
    assert "/api/v1/issues/{issue_id}" in schema["paths"]
    docs = requests.get(f"{served.url}/api/docs", timeout=30)
    assert docs.status_code == 200 and "/api/v1/export/defectdojo" in docs.text
    # No token, a wrong token, and a viewer writing: refused.
    anonymous = requests.get(f"{base}/issues", timeout=30)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    bad = {"Authorization": "Bearer sct_nope"}
    assert requests.get(f"{base}/issues", headers=bad, timeout=30).status_code == 401
    body = {"issue_id": ids[0], "kind": "false_positive", "reason": "x"}
    assert http.post(f"{base}/waivers", json=body, timeout=30).status_code == 403


def test_api_proposal_and_decision_with_tokens(served: Served) -> None:
    base = served.url + "/api/v1"
    inspector = {"Authorization": f"Bearer {create_token(served.store, 'inspector')}"}
    lead = {"Authorization": f"Bearer {create_token(served.store, 'lead')}"}
    issue = served.ids["issue_hostile"]
    body = {"issue_id": issue, "kind": "false_positive", "reason": "test page"}
    created = requests.post(f"{base}/waivers", json=body, headers=inspector, timeout=30)
    assert created.status_code == 201
    pid = created.json()["id"]
    decided = requests.post(
        f"{base}/waivers/{pid}/decision", json={"approve": True}, headers=lead, timeout=30
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert served.store.issues.get(issue).state == "false_positive"


def test_defectdojo_export(served: Served) -> None:
    admin = logged_in(served.url, "admin")
    findings = admin.get("/api/v1/export/defectdojo?include_closed=true").json()["findings"]
    assert findings
    keys = {"title", "severity", "description", "unique_id_from_tool", "date", "mitigation"}
    assert all(keys <= set(f) for f in findings)
    assert {f["severity"] for f in findings} <= {"Critical", "High", "Medium", "Low", "Info"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["unique_id_from_tool"]) for f in findings)
