"""What a bulk statement changed, said by the code that ran it, for the write pipeline to follow up.

The ORM sees what a flush saves or deletes; an UPDATE or DELETE run as one statement passes it by.
Code that runs one on a table readers see calls `changed_in_bulk`, and the write pipeline
(services/pipeline.py) follows it up before the transaction commits, as it does a flush.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

# Session.info key of the changes said and not yet followed up.
PENDING = "changed_in_bulk"


@dataclass
class BulkChanges:
    """Tables a bulk statement changed, and articles whose tag names it changed."""

    tables: set[str] = field(default_factory=set)
    retagged: set[int] = field(default_factory=set)


def changed_in_bulk(session: Session, tables: Iterable[str], retagged: Iterable[int] = ()) -> None:
    """Say that a bulk statement changed these tables (and these articles' tags) in the session's transaction."""
    pending = session.info.setdefault(PENDING, BulkChanges())
    pending.tables.update(tables)
    pending.retagged.update(retagged)


def take_bulk_changes(session: Session) -> BulkChanges:
    """The changes said since the last follow-up, forgotten here as they are handed out."""
    return session.info.pop(PENDING, None) or BulkChanges()
