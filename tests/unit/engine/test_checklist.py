"""The management checklist: questions as data, answers files, planning, findings and tracking.

Runs go through the real runner and store with a checklist-only profile: the checklist sends no
packet (no discovery without remote checks), so these tests need no lab.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from reports.catalogs import translations, translator
from reports.render import render_notice
from scanner.app.catalogue import catalogue_markdown
from scanner.app.compile import compile_run, preflight
from scanner.app.runs import start_run
from scanner.cli.main import main
from scanner.core.errors import UserError
from scanner.core.models import AssetKind, Mode
from scanner.engine.answers import template
from scanner.engine.checklist import ChecklistQuestion, load_questions, question_translations
from scanner.engine.compiled import load_registry
from scanner.engine.plan import select_checks
from scanner.engine.registry import discover
from scanner.inventory.schema import load_inventory
from scanner.notices.build import issue_notices
from scanner.store import Store
from scanner.store.attempts import FindingRow
from scripts.extract_messages import checks_catalog
from tests.helpers import write

QUESTIONS = [
    "mgmt.account-deletion",
    "mgmt.data-classification-backup",
    "mgmt.emergency-plan",
    "mgmt.log-retention",
    "mgmt.mlps-filing",
    "mgmt.personal-info-rules",
    "mgmt.real-identity",
    "mgmt.security-responsible",
    "mgmt.security-training",
]

INVENTORY = """\
campaign:
  name: checklist test
  authority: Test Office
  authorization: {{reference: T-1, issued_by: Test, valid_from: 2020-01-01,
                  valid_until: 2099-12-31}}
scope:
  allow: [127.0.10.0/24]
entities:
  - id: grid
    name: Grid Co.
    sector: energy
    {checklist}
    assets:
      - {{id: gw, host: 127.0.10.1}}
  - id: water
    name: Water Co.
    sector: water
    assets:
      - {{id: gw, host: 127.0.10.2}}
profiles:
  checklist:
    modes: [checklist]
  mgmt-family:
    families: [management]
"""

ANSWERS = """\
entity: grid
inspector: Wang Fang
date: 2025-06-03
answers:
  mgmt.security-responsible:
    answer: yes
    evidence: [GE-SEC-2025-01]
  mgmt.log-retention:
    answer: no
    evidence: [photo 4, SIEM screenshot]
    note: logs kept 90 days
  mgmt.emergency-plan:
    answer: partial
    evidence: [GE-SEC-2024-07]
    note: no drill since 2024
    inspector: Li Na
    date: 2025-06-04
  mgmt.real-identity:
    answer: not_applicable
    note: no user-facing service
  mgmt.mlps-filing:
    answer: "no"
  mgmt.security-training:
    answer:
"""


def inventory(tmp_path: Path, answers: str | None = ANSWERS) -> Path:
    """An inventory whose entity ``grid`` has ``answers`` (None: no answers file) and whose
    entity ``water`` has none."""
    ref = ""
    if answers is not None:
        write(tmp_path / "grid.yaml", answers)
        ref = "checklist: grid.yaml"
    return write(tmp_path / "inv.yaml", INVENTORY.format(checklist=ref))


def run(inv_path: Path, db_url: str) -> tuple[Store, int]:
    store = Store.open(db_url)
    result = start_run(compile_run(load_inventory(inv_path), "checklist"), store)
    return store, result.run_id


def outcomes(store: Store, run_id: int, entity: str) -> dict[str, tuple[str, str, str]]:
    return {
        a.check_id: (a.status, a.error_reason or "", a.reason)
        for a in store.attempts.of_run(run_id)
        if a.entity_id == entity
    }


def problems_of(inv_path: Path) -> str:
    inv = load_inventory(inv_path)
    with pytest.raises(UserError) as caught:
        preflight(inv, load_registry(inv), profile="checklist")
    return str(caught.value)


# --- questions as data ---------------------------------------------------------------------------


def test_questions_are_checks_of_family_management() -> None:
    registry = discover(entry_points=False)
    assert not registry.problems
    questions = [c for c in registry.sorted() if c.meta.family == "management"]
    assert [c.id for c in questions] == QUESTIONS
    for c in questions:
        assert c.meta.mode == Mode.CHECKLIST
        assert c.meta.kinds == (AssetKind.CHECKLIST,)
        assert issubclass(c.cls, ChecklistQuestion)
        file = c.id.removeprefix("mgmt.").replace("-", "_") + ".yaml"
        assert c.origin == f"builtin checklist question checks/management/{file}"
        assert c.module == f"checks.management.{file.removesuffix('.yaml')}"
    log = registry.checks["mgmt.log-retention"].meta
    assert log.title == "Network logs not kept for at least six months"
    assert log.references == ("CSL-21", "MLPS-8.1.4.3", "MLPS-8.1.3.5")
    assert log.severity.value == "high"


def test_profiles_select_questions_by_mode_and_family(tmp_path: Path) -> None:
    inv = load_inventory(inventory(tmp_path))
    registry = load_registry(inv)
    assert [c.id for c in select_checks(inv, registry, "checklist")] == QUESTIONS
    assert [c.id for c in select_checks(inv, registry, "mgmt-family")] == QUESTIONS


def test_catalogue_documents_each_question() -> None:
    text = catalogue_markdown(discover(entry_points=False))
    assert "| [`mgmt.log-retention`](#mgmtlog-retention) | Network logs not kept" in text
    section = text.split("## mgmt.log-retention", 1)[1].split("\n## ", 1)[0]
    assert "> Are the network logs (security devices, servers, applications) monitored" in section
    assert "相关网络日志（安全设备、服务器、应用）留存不少于六个月" in section  # noqa: RUF001
    assert "**References.** CSL-21, MLPS-8.1.4.3, MLPS-8.1.3.5" in section


def test_zh_cn_texts_come_from_the_yaml_not_the_catalogs() -> None:
    # The notice carries them (question_translations, filled by scanner.notices.build).
    own = question_translations(c.cls for c in discover(entry_points=False).sorted())
    zh = translator("zh-CN", own["zh-CN"])
    assert translations("zh-CN").gettext("Users cannot delete their accounts") == (
        "Users cannot delete their accounts"
    )
    assert (
        zh("Network logs not kept for at least six months")
        == "网络日志留存不少于六个月的要求未落实"
    )
    assert zh("Users cannot delete their accounts") == "未向用户提供注销账号功能"
    assert translations("en").gettext("Users cannot delete their accounts") == (
        "Users cannot delete their accounts"
    )
    # the extractor leaves questions out of checks.pot: the lead translates nothing twice.
    assert not [m.id for m in checks_catalog() if "delete their accounts" in str(m.id)]


def test_a_notice_brings_its_questions_translations(tmp_path: Path, db_url: str) -> None:
    store, run_id = run(inventory(tmp_path), db_url)
    (notice,) = issue_notices(store, run_id, discover(entry_points=False))
    assert notice.translations["zh-CN"]["Network logs not kept for at least six months"] == (
        "网络日志留存不少于六个月的要求未落实"
    )
    html = render_notice(notice, "html", "zh-CN").decode("utf-8")
    assert "网络日志留存不少于六个月的要求未落实" in html
    assert "Network logs not kept" not in html


QUESTION = """\
id: mgmt.example-question
severity: medium
title: {en: An example weakness, zh-CN: 示例问题}
question: {en: "Is the example requirement met?", zh-CN: "是否满足示例要求"}
references: [CSL-21]
remediation: {en: Meet the example requirement., zh-CN: 满足示例要求。}
"""


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "example_question.yaml",
            QUESTION.replace(
                "remediation: {en: Meet the example requirement., zh-CN: 满足示例要求。}\n", ""
            ),
            r"example_question\.yaml:1: remediation: required, but missing\. Fix: add "
            r"'remediation' here\.",
        ),
        (
            "example_question.yaml",
            QUESTION.replace("[CSL-21]", "[CSL-21, GB-1234]"),
            r"example_question\.yaml:5: references: Value error, reference 'GB-1234'|"
            r"example_question\.yaml:5: references: reference 'GB-1234' is not one of",
        ),
        (
            "example_question.yaml",
            QUESTION.replace("severity: medium", "severity: severe"),
            r"example_question\.yaml:2: severity: Input should be 'critical', 'high', 'medium', "
            r"'low' or 'info' \(got 'severe'\)\. Fix: correct this value\.",
        ),
        (
            "example_question.yaml",
            QUESTION.replace("zh-CN: 示例问题", "zh: 示例问题"),
            r"example_question\.yaml:3: title\.zh-CN: required, but missing",
        ),
        (
            "example_question.yaml",
            QUESTION + "owner: someone\n",
            r"example_question\.yaml:7: owner: unknown key 'owner'\. Fix: remove it",
        ),
        (
            "other_name.yaml",
            QUESTION,
            r"other_name\.yaml:1: id: the file of question mgmt\.example-question must be named "
            r"example_question\.yaml\. Fix: rename the file",
        ),
        (
            "example_question.yaml",
            QUESTION + "severity: low\n",
            r"example_question\.yaml:7: severity is written twice \(first on line 2\)",
        ),
    ],
)
def test_bad_question_files_are_load_problems(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    write(tmp_path / name, text)
    questions, problems = load_questions(tmp_path)
    assert questions == []
    assert re.search(expected, "\n".join(problems)), problems


def test_good_question_file_loads(tmp_path: Path) -> None:
    write(tmp_path / "example_question.yaml", QUESTION)
    [(question, path)], problems = load_questions(tmp_path)
    assert problems == []
    assert (question.id, question.title.zh_cn, path.name) == (
        "mgmt.example-question",
        "示例问题",
        "example_question.yaml",
    )


# --- answers become attempts and findings --------------------------------------------------------


def test_answers_become_exact_attempts_and_findings(tmp_path: Path, db_url: str) -> None:
    inv_path = inventory(tmp_path)
    store, run_id = run(inv_path, db_url)
    answers = tmp_path / "grid.yaml"
    grid = outcomes(store, run_id, "grid")
    assert {k: v[:2] for k, v in grid.items()} == {
        "mgmt.security-responsible": ("pass", ""),
        "mgmt.log-retention": ("fail", ""),
        "mgmt.emergency-plan": ("fail", ""),
        "mgmt.real-identity": ("not_applicable", ""),
        "mgmt.mlps-filing": ("fail", ""),
        "mgmt.security-training": ("error", "inconclusive"),  # `answer:` left empty
        "mgmt.account-deletion": ("error", "inconclusive"),  # not in the file at all
        "mgmt.data-classification-backup": ("error", "inconclusive"),
        "mgmt.personal-info-rules": ("error", "inconclusive"),
    }
    assert grid["mgmt.security-training"][2] == (
        f"not answered in {answers}. Fix: answer it (yes, no, partial or not_applicable) and rescan"
    )
    assert grid["mgmt.real-identity"][2] == (
        f"answered not_applicable by Wang Fang on 2025-06-03 ({answers}:19); "
        "note: no user-facing service"
    )
    findings = {f.check_id: f for f in store.attempts.findings(run_id)}
    assert sorted(findings) == ["mgmt.emergency-plan", "mgmt.log-retention", "mgmt.mlps-filing"]
    log = findings["mgmt.log-retention"]
    assert (log.entity_id, log.asset_id, log.location, log.severity) == (
        "grid",
        "management",
        "checklist",
        "high",
    )
    assert log.evidence == (
        f'answered "no" by Wang Fang on 2025-06-03 ({answers}:9); '
        "evidence: photo 4; SIEM screenshot; note: logs kept 90 days"
    )
    plan = findings["mgmt.emergency-plan"]
    assert plan.severity == "low"  # medium, one level lower for "partial"
    assert plan.evidence == (
        f'answered "partial" by Li Na on 2025-06-04 ({answers}:13); '
        "evidence: GE-SEC-2024-07; note: no drill since 2024"
    )
    assert _detail(plan) == {
        "answer": "partial",
        "inspector": "Li Na",
        "date": "2025-06-04",
        "evidence": ["GE-SEC-2024-07"],
        "note": "no drill since 2024",
        "source": f"{answers}:13",
    }
    assert findings["mgmt.mlps-filing"].evidence == (
        f'answered "no" by Wang Fang on 2025-06-03 ({answers}:22); evidence: none recorded'
    )
    water = outcomes(store, run_id, "water")
    assert set(water) == set(QUESTIONS)
    for status, error_reason, reason in water.values():
        assert (status, error_reason) == ("error", "inconclusive")
        assert reason == (
            f"no answers file: entity water names no checklist answers file ({inv_path}:15). "
            f"Fix: write one with `scanner checklist template water --inventory {inv_path}` "
            "and set entities[1].checklist"
        )


def _detail(finding: FindingRow) -> Any:
    detail = finding.detail
    return yaml.safe_load(detail) if isinstance(detail, str) else detail


def test_no_answers_file_makes_every_question_an_error(tmp_path: Path, db_url: str) -> None:
    store, run_id = run(inventory(tmp_path, answers=None), db_url)
    statuses = {(a.entity_id, a.status) for a in store.attempts.of_run(run_id)}
    assert statuses == {("grid", "error"), ("water", "error")}
    assert len(store.attempts.of_run(run_id)) == 2 * len(QUESTIONS)
    assert store.attempts.findings(run_id) == []


def test_a_no_that_becomes_yes_closes_the_issue(tmp_path: Path, db_url: str) -> None:
    inv_path = inventory(tmp_path)
    store, first = run(inv_path, db_url)
    issues = {i.check_id: i for i in store.issues.find()}
    assert issues["mgmt.log-retention"].state == "open"
    answers = tmp_path / "grid.yaml"
    # An unanswered question is inconclusive: the log-retention issue stays open.
    write(answers, ANSWERS.replace("    answer: no\n", "    answer:\n", 1))
    store, second = run(inv_path, db_url)
    assert {i.check_id: i.state for i in store.issues.find()}["mgmt.log-retention"] == "open"
    # The entity fixed it; the inspector records "yes" on the next visit.
    write(answers, ANSWERS.replace("    answer: no\n", "    answer: yes\n", 1))
    store, third = run(inv_path, db_url)
    states = {i.check_id: i.state for i in store.issues.find()}
    assert states == {
        "mgmt.log-retention": "fixed",
        "mgmt.emergency-plan": "open",
        "mgmt.mlps-filing": "open",
    }
    assert first < second < third


# --- bad answers files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            ANSWERS.replace("mgmt.mlps-filing:", "mgmt.mlps-filling:"),
            r"grid\.yaml:21: answers\.mgmt\.mlps-filling: there is no checklist question "
            r"'mgmt\.mlps-filling' \(questions: mgmt\.account-deletion, .*\)\. "
            r"Fix: correct the id\.",
        ),
        (
            ANSWERS.replace("answer: partial", "answer: maybe"),
            r"grid\.yaml:13: answers\.mgmt\.emergency-plan\.answer: 'maybe' is not an answer; "
            r"write one of yes, no, partial, not_applicable\. Fix: correct this value\.",
        ),
        (
            ANSWERS.replace("inspector: Wang Fang\n", ""),
            r"grid\.yaml:1: inspector: required, but missing\. Fix: add 'inspector' here\.",
        ),
        (
            ANSWERS.replace("inspector: Wang Fang", "inspector:"),
            r"grid\.yaml:2: inspector: empty; write the name of the inspector who recorded the "
            r"answers\. Fix: correct this value\.",
        ),
        (
            ANSWERS.replace("date: 2025-06-03\n", ""),
            r"grid\.yaml:1: date: required, but missing\. Fix: add 'date' here\.",
        ),
        (
            ANSWERS.replace("date: 2025-06-03", "date: 3 June 2025"),
            r"grid\.yaml:3: date: '3 June 2025' is not a date; write it as YYYY-MM-DD\.",
        ),
        (
            ANSWERS.replace("date: 2025-06-04", "date: 2999-01-01"),
            r"grid\.yaml:17: answers\.mgmt\.emergency-plan\.date: 2999-01-01 is in the future\. "
            r"Fix: write the day the answer was recorded\.",
        ),
        (
            ANSWERS.replace("entity: grid", "entity: water"),
            r"grid\.yaml:1: entity: this file answers for 'water', but entity 'grid' references "
            r"it\. Fix: point grid's checklist at its own answers file\.",
        ),
        (
            ANSWERS.replace("    note: no user-facing service", "    remark: x"),
            r"grid\.yaml:20: answers\.mgmt\.real-identity\.remark: unknown key 'remark'\. Fix:",
        ),
        (
            ANSWERS.replace("evidence: [GE-SEC-2025-01]", "evidence: GE-SEC-2025-01"),
            r"grid\.yaml:7: answers\.mgmt\.security-responsible\.evidence: Input should be a "
            r"valid list",
        ),
        (
            ANSWERS + "  mgmt.log-retention:\n    answer: yes\n",
            r"grid\.yaml:25: answers\.mgmt\.log-retention is written twice \(first on line 8\)",
        ),
        ("- just\n- a list\n", r"grid\.yaml:1: an answers file must be a YAML mapping"),
        ("entity: [grid\n", r"grid\.yaml:2:1: this is not valid YAML"),
    ],
)
def test_bad_answers_files_fail_preflight(tmp_path: Path, answers: str, expected: str) -> None:
    text = problems_of(inventory(tmp_path, answers))
    assert re.search(expected, text), text


def test_missing_answers_file_names_the_inventory_line(tmp_path: Path) -> None:
    inv_path = inventory(tmp_path)
    (tmp_path / "grid.yaml").unlink()
    text = problems_of(inv_path)
    assert f"{inv_path}:12: entities[0].checklist: the answers file {tmp_path / 'grid.yaml'} " in (
        text
    )
    assert "does not exist. Fix: write it with `scanner checklist template grid" in text


def test_bad_answers_file_exits_2_at_validate_and_run(tmp_path: Path, db_url: str) -> None:
    inv_path = inventory(tmp_path, ANSWERS.replace("answer: partial", "answer: maybe"))
    cli = CliRunner()
    for args in (
        ["validate", str(inv_path)],
        ["run", str(inv_path), "--profile", "checklist", "--db", db_url],
    ):
        result = cli.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "answers.mgmt.emergency-plan.answer: 'maybe' is not an answer" in result.output
    assert Store.open(db_url).runs.recent() == []  # refused before a run was recorded


def test_the_management_asset_id_is_reserved(tmp_path: Path) -> None:
    inv_path = write(
        tmp_path / "inv.yaml",
        INVENTORY.format(checklist="").replace(
            "{id: gw, host: 127.0.10.1}", "{id: management, host: 127.0.10.1}"
        ),
    )
    with pytest.raises(UserError, match=r"asset id 'management' is reserved"):
        load_inventory(inv_path)


# --- the template --------------------------------------------------------------------------------


def test_template_round_trip(tmp_path: Path, db_url: str) -> None:
    inv_path = inventory(tmp_path, answers=None)
    inv_path.write_text(
        inv_path.read_text().replace(
            "    sector: energy\n", "    sector: energy\n    checklist: answers/grid.yaml\n"
        )
    )
    (tmp_path / "answers").mkdir()
    blank = tmp_path / "answers" / "grid.yaml"
    cli = CliRunner()
    result = cli.invoke(
        main, ["checklist", "template", "grid", "--inventory", str(inv_path), "-o", str(blank)]
    )
    assert result.exit_code == 0, result.output
    text = blank.read_text()
    data = yaml.safe_load(text)
    assert data == {
        "entity": "grid",
        "inspector": None,
        "date": None,
        "answers": {q: {"answer": None, "evidence": [], "note": ""} for q in QUESTIONS},
    }
    assert "# en: Are the network logs (security devices, servers, applications)" in text
    assert "# zh-CN: 是否对网络运行状态和网络安全事件进行监测记录" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    # Blank, it names what is missing.
    problems = problems_of(inv_path)
    assert f"{blank}:14: inspector: empty; write the name of the inspector" in problems
    assert f"{blank}:15: date: empty; write the day the answers were recorded" in problems
    # It will not overwrite answers already recorded.
    again = cli.invoke(
        main, ["checklist", "template", "grid", "--inventory", str(inv_path), "-o", str(blank)]
    )
    assert again.exit_code == 2
    assert "exists; it may hold answers already recorded" in again.output
    # Filled in on site:
    filled = text.replace("inspector:  ", "inspector: Wang Fang", 1).replace(
        "date:  ", "date: 2025-06-03", 1
    )
    chosen = {
        "mgmt.log-retention": "no",
        "mgmt.security-responsible": "yes",
        "mgmt.real-identity": "not_applicable",
        "mgmt.emergency-plan": "partial",
    }
    for qid, value in chosen.items():
        filled = filled.replace(f"  {qid}:\n    answer:   ", f"  {qid}:\n    answer: {value}", 1)
    blank.write_text(filled)
    store, run_id = run(inv_path, db_url)
    grid = outcomes(store, run_id, "grid")
    assert {k: v[0] for k, v in grid.items()} == {
        q: {"no": "fail", "yes": "pass", "not_applicable": "not_applicable", "partial": "fail"}.get(
            chosen.get(q, ""), "error"
        )
        for q in QUESTIONS
    }


def test_template_unknown_entity(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["checklist", "template", "nosuch", "--inventory", str(inventory(tmp_path))]
    )
    assert result.exit_code == 2
    assert "there is no entity 'nosuch' (entities: grid, water). Fix: pass one of those." in (
        result.output
    )


def test_template_prints_to_stdout(tmp_path: Path) -> None:
    inv = load_inventory(inventory(tmp_path))
    result = CliRunner().invoke(
        main, ["checklist", "template", "water", "--inventory", str(inv.path)]
    )
    assert result.exit_code == 0, result.output
    registry = load_registry(inv)
    questions = [c.cls.question for c in registry.sorted() if issubclass(c.cls, ChecklistQuestion)]
    assert result.output == template(inv.model.entities[1], questions)
