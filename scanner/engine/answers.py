"""The management checklist's answers: one YAML file per entity, recorded on site.

An entity names its answers file in the inventory (``entities[].checklist``, relative to the
inventory). The file says who inspected and when, and per question id its answer (yes, no,
partial, not_applicable), the evidence seen and a note. :func:`checklist_problems` validates
every referenced file at preflight, each problem as ``file:line: field: what. Fix: how``;
:func:`entity_answers` gives the plan one :class:`~scanner.core.models.Answer` per answered
question;
:func:`template` writes a blank file with every question as comments in zh-CN and English.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from scanner.core.errors import UserError
from scanner.core.models import Answer, AnswerValue, AssetKind
from scanner.engine.checklist import Question, validation_problems
from scanner.engine.registry import Registry
from scanner.inventory.schema import Entity, LoadedInventory
from scanner.inventory.yamlsource import Loc, Source, dotted, load

VALUES = ", ".join(v.value for v in AnswerValue)


def _answer_value(value: Any) -> Any:
    # YAML 1.1 reads an unquoted yes / no as a boolean: that is what the inspector meant.
    if value is True:
        return AnswerValue.YES.value
    if value is False:
        return AnswerValue.NO.value
    if isinstance(value, str) and value not in {v.value for v in AnswerValue}:
        raise ValueError(f"{value!r} is not an answer; write one of {VALUES}")
    return value


def _day(value: Any) -> Any:
    if isinstance(value, date):
        return value  # a datetime is a date too: keep its day
    if value is None or value == "":
        raise ValueError("empty; write the day the answers were recorded, as YYYY-MM-DD")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD")


def _name(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("empty; write the name of the inspector who recorded the answers")
    return value


Day = Annotated[date, BeforeValidator(_day)]
Name = Annotated[str, BeforeValidator(_name)]
Value = Annotated[AnswerValue | None, BeforeValidator(_answer_value)]


class AnswerEntry(BaseModel):
    """The answer to one question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: Value = None
    evidence: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    note: str | None = None
    inspector: Name | None = None
    date: Day | None = None


class AnswersFile(BaseModel):
    """One entity's answers file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entity: str = Field(min_length=1)
    inspector: Name
    date: Day
    answers: dict[str, AnswerEntry | None] = Field(default_factory=dict)


@dataclass(frozen=True)
class EntityAnswers:
    """The answered questions of one entity.

    Attributes:
        path: the answers file.
        answers: per answered question id, its answer (unanswered ids are absent).
    """

    path: Path
    answers: dict[str, Answer] = field(default_factory=dict)


def question_ids(registry: Registry) -> set[str]:
    """The ids of every checklist question loaded."""
    return {c.id for c in registry.checks.values() if AssetKind.CHECKLIST in c.meta.kinds}


def checklist_problems(inv: LoadedInventory, registry: Registry) -> list[str]:
    """Problems of every answers file the inventory names, for preflight: missing files, bad
    values, unknown question ids, another entity's file, a missing inspector or date."""
    known = question_ids(registry)
    problems: list[str] = []
    for index, entity in enumerate(inv.model.entities):
        if entity.checklist is not None:
            problems += _read(inv, index, known)[1]
    return problems


def entity_answers(inv: LoadedInventory, index: int) -> EntityAnswers | None:
    """The answers of entity ``index``, or None when it names no answers file. Preflight has
    validated the file; a file broken since then is a UserError."""
    if inv.model.entities[index].checklist is None:
        return None
    return load_answers(inv, index, None)


def load_answers(inv: LoadedInventory, index: int, known: Collection[str] | None) -> EntityAnswers:
    """Read and validate the answers file of entity ``index``; ``known`` are the question ids
    it may answer (None: not checked). Every problem is one line of one UserError."""
    answers, problems = _read(inv, index, known)
    if answers is None:
        count = len(problems)
        head = f"{inv.path}: {count} problem{'s' if count > 1 else ''} in a checklist answers file:"
        raise UserError("\n".join([head, *problems]))
    return answers


def answers_path(inv: LoadedInventory, entity: Entity) -> Path:
    """Where ``entity``'s answers file is (it must name one)."""
    if entity.checklist is None:
        raise ValueError(f"entity {entity.id} names no checklist answers file")
    return inv.resolve_path(entity.checklist)


def _read(
    inv: LoadedInventory, index: int, known: Collection[str] | None
) -> tuple[EntityAnswers | None, list[str]]:
    """The answers of entity ``index``, or None and the problems, each ``  file:line: ...``."""
    entity = inv.model.entities[index]
    path = answers_path(inv, entity)
    ref: Loc = ("entities", index, "checklist")
    if not path.is_file():
        return None, [
            f"  {inv.where(ref)}: {dotted(ref)}: the answers file {path} does not exist. Fix: "
            f"write it with `scanner checklist template {entity.id} --inventory {inv.path} "
            f"-o {path}`, or correct the path (it is relative to the inventory)."
        ]
    try:
        source = load(path, what="checklist answers")
    except UserError as exc:
        return None, [f"  {exc}"]
    if not isinstance(source.data, dict):
        return None, [
            f"  {path}:1: an answers file must be a YAML mapping with entity, inspector, date "
            f"and answers. Fix: start from `scanner checklist template {entity.id}`."
        ]
    try:
        model = AnswersFile.model_validate(source.data)
    except ValidationError as exc:
        return None, validation_problems(source, exc, "answers file")[1:]
    problems = _content_problems(source, model, entity.id, known)
    if problems:
        return None, problems
    return EntityAnswers(path=path, answers=_answers(source, model)), []


def _content_problems(
    source: Source, model: AnswersFile, entity_id: str, known: Collection[str] | None
) -> list[str]:
    problems = []
    if model.entity != entity_id:
        problems.append(
            f"  {source.where(('entity',))}: entity: this file answers for {model.entity!r}, "
            f"but entity {entity_id!r} references it. Fix: point {entity_id}'s checklist at its "
            "own answers file."
        )
    for qid, entry in model.answers.items():
        loc: Loc = ("answers", qid)
        if known is not None and qid not in known:
            problems.append(
                f"  {source.where(loc)}: {dotted(loc)}: there is no checklist question {qid!r} "
                f"(questions: {', '.join(sorted(known))}). Fix: correct the id."
            )
        if entry is not None:
            problems += _future(source, (*loc, "date"), entry.date)
    problems += _future(source, ("date",), model.date)
    return problems


def _future(source: Source, loc: Loc, day: date | None) -> list[str]:
    if day is None or day <= date.today():
        return []
    return [
        f"  {source.where(loc)}: {dotted(loc)}: {day.isoformat()} is in the future. Fix: write "
        "the day the answer was recorded."
    ]


def _answers(source: Source, model: AnswersFile) -> dict[str, Answer]:
    out = {}
    for qid, entry in model.answers.items():
        if entry is None or entry.answer is None:
            continue  # unanswered: the plan records an error attempt for it
        out[qid] = Answer(
            value=entry.answer,
            inspector=entry.inspector or model.inspector,
            day=(entry.date or model.date).isoformat(),
            evidence=tuple(entry.evidence),
            note=(entry.note or "").strip(),
            source=source.where(("answers", qid, "answer")),
        )
    return out


# --- the blank template ----------------------------------------------------------------------

_ZH_HELP = (
    "# 填写检查人员和日期后，逐项填写答复（yes 是 / no 否 / partial 部分 /",  # noqa: RUF001
    "# not_applicable 不适用）、证据（文件编号、照片、截图等）和备注。",  # noqa: RUF001
    "# 未填写答复的问题记为“未答复”，不会视为通过。",  # noqa: RUF001 (Chinese punctuation)
)


def template(entity: Entity, questions: Sequence[Question]) -> str:
    """A blank answers file for ``entity``: every question as comments in zh-CN and English,
    every answer empty (an empty answer is reported as not answered, never as a pass)."""
    lines = [
        f"# Management checklist answers: {entity.id} ({entity.name})",
        f"# 管理检查表答复：{entity.id}（{entity.name}）",  # noqa: RUF001 (Chinese punctuation)
        "#",
        "# Written by `scanner checklist template`. Fill in inspector and date (YYYY-MM-DD), then",
        "# for each question: answer (yes, no, partial or not_applicable), evidence (references",
        "# to what you saw: document numbers, photos, screenshots) and a note. An answer may",
        "# carry its own inspector and date. A question left empty is reported as not answered.",
        "# Reference this file from the inventory: entities[].checklist. See docs/checklist.md.",
        *_ZH_HELP,
        "",
        f"entity: {entity.id}",
        "inspector:                # the inspector's name / 检查人员姓名",
        "date:                     # the day of the visit, YYYY-MM-DD / 检查日期",
        "answers:",
    ]
    for question in questions:
        lines.append("")
        lines += _comment(f"[{question.severity.value}] {question.title.en}")
        lines += _comment(f"[{question.severity.value}] {question.title.zh_cn}")
        lines += _comment(f"en: {question.question.en}")
        lines += _comment(f"zh-CN: {question.question.zh_cn}", zh=True)
        if question.guidance is not None:
            lines += _comment(f"look for: {question.guidance.en}")
            lines += _comment(f"检查要点: {question.guidance.zh_cn}", zh=True)
        lines += [
            f"  {question.id}:",
            "    answer:               # yes | no | partial | not_applicable",
            "    evidence: []          # e.g. [GE-SEC-2025-01, photo 3]",
            '    note: ""',
        ]
    return "\n".join(lines) + "\n"


def _comment(text: str, *, zh: bool = False) -> list[str]:
    # Chinese has no spaces to break at: wrap it by characters, at a width that fits 100 columns.
    width = 46 if zh else 94
    if zh:
        chunks = [text[i : i + width] for i in range(0, len(text), width)]
    else:
        chunks = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
    return [f"  # {chunk}" if i == 0 else f"  #   {chunk}" for i, chunk in enumerate(chunks)]
