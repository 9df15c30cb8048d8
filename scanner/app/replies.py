"""A liaison's reply to a notice: text plus attached files, bounded in number and size.

Files are kept in the store (:mod:`scanner.store.replies`), never under a name the user chose;
the name is kept only for the download, cleaned of separators and control characters. They are
served as downloads (``application/octet-stream``, ``nosniff``, ``attachment``), never inline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.app.accounts import Role
from scanner.app.review import Actor
from scanner.core.errors import UserError
from scanner.store import Store


@dataclass(frozen=True)
class ReplyLimits:
    """How much one reply may carry."""

    body: int = 20000
    files: int = 5
    file_bytes: int = 5 * 1024 * 1024


_UNSAFE_NAME = re.compile(r"[^\w.\- ()\[\]]", re.UNICODE)


def safe_filename(name: str) -> str:
    """A file name with no path, no control or separator character, at most 100 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    return (base or "attachment")[:100]


def post_reply(
    store: Store,
    actor: Actor,
    notice_id: int,
    body: str,
    files: Sequence[tuple[str, bytes]],
    *,
    limits: ReplyLimits = ReplyLimits(),
) -> int:
    """Store a reply to notice ``notice_id`` from its entity's liaison (or a lead or admin)."""
    if actor.role not in (Role.LIAISON, Role.LEAD, Role.ADMIN):
        raise PermissionError("only the entity's liaison, a lead or an admin replies")
    entity = actor.user.entity_id if actor.role == Role.LIAISON else None
    head = store.views.notice(notice_id, entity=entity)
    if head is None:
        raise LookupError(notice_id)
    body = body.strip()
    if not body and not files:
        raise UserError("a reply needs a text or a file.")
    if len(body) > limits.body:
        raise UserError(f"the reply is longer than {limits.body} characters.")
    if len(files) > limits.files:
        raise UserError(f"at most {limits.files} files per reply.")
    for name, data in files:
        if len(data) > limits.file_bytes:
            raise UserError(
                f"{safe_filename(name)}: larger than {limits.file_bytes // (1024 * 1024)} MiB."
            )
    cleaned = [(safe_filename(n), d) for n, d in files]
    reply_id = store.replies.add(notice_id, head.entity_id, actor.user.name, body, cleaned)
    store.audit.record(
        actor=actor.user.name,
        source=actor.source,
        action="reply.posted",
        object_type="notice",
        object_id=notice_id,
        entity_id=head.entity_id,
        detail=f"reply {reply_id}, {len(cleaned)} files",
    )
    return reply_id
