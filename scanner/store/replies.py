"""The replies aggregate: an entity's answer to a notice, with its attached files.

Files are kept in the database with their size and SHA-256: no name a user chose ever becomes a
path, and they are read back only through :meth:`Replies.attachment`, which the web application
serves as a download (never inline).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select

from scanner.store.sql import Aggregate
from scanner.store.tables import attachments, replies


@dataclass(frozen=True)
class AttachmentInfo:
    """An attached file without its content."""

    id: int
    reply_id: int
    entity_id: str
    filename: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ReplyRow:
    """A reply to a notice and its files."""

    id: int
    notice_id: int
    entity_id: str
    author: str
    at: float
    body: str
    files: tuple[AttachmentInfo, ...]


class Replies(Aggregate):
    """Add and read replies and their attachments."""

    def add(
        self,
        notice_id: int,
        entity_id: str,
        author: str,
        body: str,
        files: Sequence[tuple[str, bytes]],
        now: float | None = None,
    ) -> int:
        """Store a reply with its files (name, content) in one transaction."""
        with self._store.writer.begin() as conn:
            reply_id = conn.execute(
                insert(replies).values(
                    notice_id=notice_id,
                    entity_id=entity_id,
                    author=author,
                    at=time.time() if now is None else now,
                    body=body,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            for name, data in files:
                conn.execute(
                    insert(attachments).values(
                        reply_id=reply_id,
                        entity_id=entity_id,
                        filename=name,
                        size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                        data=data,
                    )
                )
        return int(reply_id)

    def of_notice(self, notice_id: int) -> list[ReplyRow]:
        """A notice's replies, oldest first, each with its files."""
        info_cols = [c for c in attachments.c if c.name != "data"]
        with self._store.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(replies).where(replies.c.notice_id == notice_id).order_by(replies.c.id)
                )
                .mappings()
                .all()
            )
            ids = [r["id"] for r in rows]
            files = (
                conn.execute(
                    select(*info_cols)
                    .where(attachments.c.reply_id.in_(ids))
                    .order_by(attachments.c.id)
                )
                .mappings()
                .all()
                if ids
                else []
            )
        by_reply: dict[int, list[AttachmentInfo]] = {}
        for f in files:
            by_reply.setdefault(f["reply_id"], []).append(AttachmentInfo(**f))
        return [ReplyRow(**r, files=tuple(by_reply.get(r["id"], ()))) for r in rows]

    def attachment(self, attachment_id: int) -> tuple[AttachmentInfo, int, bytes] | None:
        """An attachment's description, its reply's notice id, and its content; or None."""
        with self._store.engine.connect() as conn:
            row = (
                conn.execute(
                    select(attachments, replies.c.notice_id)
                    .join(replies, replies.c.id == attachments.c.reply_id)
                    .where(attachments.c.id == attachment_id)
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        info = AttachmentInfo(
            id=row["id"],
            reply_id=row["reply_id"],
            entity_id=row["entity_id"],
            filename=row["filename"],
            size=row["size"],
            sha256=row["sha256"],
        )
        return info, int(row["notice_id"]), bytes(row["data"])
