"""The management checklist's questions: YAML data made into checks, and the one check that
evaluates them.

Each file in ``checks/management/`` holds one question: its id, severity, title, the question
itself and the inspector's guidance (in zh-CN and English), references and remediation. The
registry loads every file with :func:`load_questions` and registers one subclass of
:class:`ChecklistQuestion` per question, so profiles, the catalogue and notices treat questions
like any other check (family ``management``, mode ``checklist``). The answers recorded on site
arrive on the target (:attr:`scanner.core.models.ChecklistTarget.answer`, see
:mod:`scanner.engine.answers`; an unanswered question gets no target, the plan decides it);
:meth:`ChecklistQuestion.run` turns one answer into a pass, a finding or not-applicable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scanner.core.errors import UserError
from scanner.core.models import (
    Answer,
    AnswerValue,
    AssetKind,
    ChecklistTarget,
    Finding,
    Mode,
    Severity,
)
from scanner.engine.check import (
    CHECK_ID,
    AppliesTo,
    Check,
    NotApplicable,
    known_references,
)
from scanner.inventory.yamlsource import Loc, Source, dotted, load

if TYPE_CHECKING:
    from scanner.engine.context import CheckContext

FAMILY = "management"
#: Languages every question is written in; the YAML key is the language tag.
LANGUAGES = ("en", "zh-CN")
#: One severity step down, for a "partial" answer.
_LOWER = {
    Severity.CRITICAL: Severity.HIGH,
    Severity.HIGH: Severity.MEDIUM,
    Severity.MEDIUM: Severity.LOW,
    Severity.LOW: Severity.LOW,
    Severity.INFO: Severity.INFO,
}


class Texts(BaseModel):
    """One text in both languages."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    en: str = Field(min_length=5)
    zh_cn: str = Field(alias="zh-CN", min_length=2)

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``en`` or ``zh-CN``)."""
        return self.zh_cn if lang == "zh-CN" else self.en


class Title(Texts):
    """A title: short enough for a notice's item heading and the catalogue's table."""

    en: str = Field(min_length=5, max_length=120)


class Question(BaseModel):
    """One management checklist question, as written in its YAML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=CHECK_ID.pattern)
    severity: Severity
    title: Title
    question: Texts
    guidance: Texts | None = None
    references: tuple[str, ...] = ()
    remediation: Texts

    @field_validator("references")
    @classmethod
    def _known_reference_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return known_references(value)


class ChecklistQuestion(Check):
    """The one generic checklist check; each question is a subclass that sets ``question``.

    The subclasses are made by :func:`question_check` from data, never written by hand.
    """

    question: ClassVar[Question]
    family = FAMILY
    mode = Mode.CHECKLIST
    applies_to = AppliesTo(kinds=(AssetKind.CHECKLIST,))

    def run(self, target: ChecklistTarget, ctx: CheckContext) -> Iterator[Finding]:
        """yes: pass; no / partial: a finding quoting the answer; not_applicable: so."""
        answer = target.answer
        if answer.value == AnswerValue.NOT_APPLICABLE:
            raise NotApplicable(f"answered not_applicable {_by(answer)}" + _noted(answer))
        if answer.value == AnswerValue.YES:
            return
        yield self.finding(
            target,
            answer_evidence(answer),
            severity=_LOWER[self.severity] if answer.value == AnswerValue.PARTIAL else None,
            detail={
                "answer": answer.value.value,
                "inspector": answer.inspector,
                "date": answer.day,
                "evidence": list(answer.evidence),
                "note": answer.note,
                "source": answer.source,
            },
        )


def _by(answer: Answer) -> str:
    where = f" ({answer.source})" if answer.source else ""
    return f"by {answer.inspector} on {answer.day}{where}"


def _noted(answer: Answer) -> str:
    return f"; note: {answer.note}" if answer.note else ""


def answer_evidence(answer: Answer) -> str:
    """A finding's evidence: the answer, who gave it, when, where it is written, and what the
    inspector saw: ``answered "no" by Wang Fang on 2026-03-02 (answers.yaml:14); evidence: ...``."""
    seen = "; ".join(answer.evidence) if answer.evidence else "none recorded"
    return f'answered "{answer.value.value}" {_by(answer)}; evidence: {seen}{_noted(answer)}'


def question_check(question: Question) -> type[ChecklistQuestion]:
    """The check class of ``question``: metadata from the data, behaviour from the base."""
    name = "Question_" + question.id.replace(".", "_").replace("-", "_")
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": f"Checklist question {question.id}.",
        "question": question,
        "id": question.id,
        "title": question.title.en,
        "severity": question.severity,
        "references": question.references,
        "remediation": question.remediation.en,
    }
    return type(name, (ChecklistQuestion,), attrs)


def description(question: Question) -> str:
    """The question's section in the check catalogue (what a module docstring is for a check)."""
    lines = [
        "A management checklist question, asked on site and answered in the entity's answers "
        "file ([checklist.md](checklist.md)).",
        "",
        f"> {question.question.en}",
        ">",
        f"> {question.question.zh_cn}",
    ]
    if question.guidance is not None:
        lines += ["", f"What to look for: {question.guidance.en}"]
    lines += [
        "",
        f'A "no" is a finding of severity {question.severity.value}, a "partial" one a '
        'finding one level lower; "yes" passes, "not_applicable" is not applicable, and a '
        "question left unanswered is an error attempt (never a pass).",
        "",
        "Sample evidence::",
        "",
        '    answered "no" by Wang Fang on 2026-03-02 (checklists/grid-east.yaml:14); '
        "evidence: photo 3; note: as the IT manager stated it",
    ]
    return "\n".join(lines)


def load_questions(folder: Path) -> tuple[list[tuple[Question, Path]], list[str]]:
    """Every question file (``*.yaml``) in ``folder``, and the problems of those that are not
    valid, each naming ``file:line``, the field and the fix."""
    questions: list[tuple[Question, Path]] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            question = load_question(path)
        except UserError as exc:
            problems.append(str(exc))
            continue
        if question.id in seen:
            problems.append(
                f"{path}:1: id: question {question.id} is also defined in {seen[question.id]}. "
                "Fix: give each question its own id."
            )
            continue
        seen[question.id] = path
        questions.append((question, path))
    return questions, problems


def load_question(path: Path) -> Question:
    """One question file, validated; a UserError names every problem as ``file:line``."""
    source = load(path, what="checklist question")
    if not isinstance(source.data, dict):
        raise UserError(
            f"{path}:1: a checklist question must be a YAML mapping with id, severity, title, "
            "question, references and remediation. Fix: start from an existing question file."
        )
    try:
        question = Question.model_validate(source.data)
    except ValidationError as exc:
        raise UserError("\n".join(validation_problems(source, exc, "checklist question"))) from None
    expected = question.id.split(".", 1)[1].replace("-", "_") + ".yaml"
    if path.name != expected:
        raise UserError(
            f"{source.where(('id',))}: id: the file of question {question.id} must be named "
            f"{expected}. Fix: rename the file (or correct the id)."
        )
    return question


def validation_problems(source: Source, exc: ValidationError, what: str) -> list[str]:
    """A pydantic error on YAML data as lines ``file:line: field: what. Fix: how``, with a head
    line counting them."""
    lines = []
    for err in exc.errors():
        loc: Loc = tuple(
            p for p in err["loc"] if isinstance(p, int) or not str(p).startswith("function-")
        )
        lines.append(f"  {source.where(loc)}: {dotted(loc)}: {_message(err, loc)}")
    count = len(lines)
    return [f"{source.path}: {count} problem{'s' if count > 1 else ''} in the {what}:", *lines]


def _message(err: Any, loc: Loc) -> str:
    kind, msg = err["type"], str(err["msg"])
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}. Fix: remove it or correct its spelling."
    if kind == "missing":
        return f"required, but missing. Fix: add {loc[-1]!r} here."
    msg = msg.removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) or kind == "value_error" else f" (got {got!r})"
    return f"{msg}{shown}. Fix: correct this value."


def is_question(check_kinds: Iterable[AssetKind]) -> bool:
    """True for checks that run on an entity's management checklist."""
    return AssetKind.CHECKLIST in tuple(check_kinds)


def question_translations(checks: Iterable[type[Check]]) -> dict[str, dict[str, str]]:
    """For the checklist questions among ``checks``: per language other than English, each
    English title and remediation text mapped to its text in that language. Documents carry
    these to the renderers: notices translate check texts by their English, and questions bring
    their own translations (their YAML) instead of being in the report catalogs."""
    texts: dict[str, dict[str, str]] = {}
    for check in checks:
        if not issubclass(check, ChecklistQuestion):
            continue
        for lang in LANGUAGES:
            if lang == "en":
                continue
            for text in (check.question.title, check.question.remediation):
                texts.setdefault(lang, {})[text.en] = text.get(lang)
    return texts
