"""The write pipeline: what follows every change to the database, in one stated order.

`create_app` registers it on the app's session. Whenever a flush saves or deletes rows, or a
transaction that ran a bulk statement (`models.changed_in_bulk`) is about to commit, `follow` runs,
inside that same transaction:

1. listing times: each saved article's publication time is copied onto its tag and author links,
   so tag and author pages read in order from their links' own index;
2. the search index: saved, deleted and retagged articles and renamed tags are indexed again;
3. the site version: moved once when anything readers see changed, so every cached page is stale;
   a comment held for moderation is seen by its author alone (by /me), so it moves nothing.

After the commit, this process rereads the site version at once; other processes within a second.
A counted read passes by: it never goes through the session (models.readcount).
"""

from __future__ import annotations

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from models import Article, BulkChanges, Comment, CommentStatus, SiteVersion, copy_listing_times, db, take_bulk_changes
from services import search

# Tables no reader's page shows; a change to any other table moves the site version, a new table's too.
UNSEEN_TABLES = frozenset({"rate_limits", "site_version", "admin_sessions", "invitations", "password_links",
                           "kept_forms"})
PAGE_TABLES = frozenset(db.metadata.tables) - UNSEEN_TABLES
# Session.info key: this transaction moved the site version, so its commit makes pages stale here at once.
PAGES_CHANGED = "pages_changed"


def follow(session: Session, bulk: BulkChanges) -> None:
    """Everything that follows what the session just flushed and what bulk statements said they changed."""
    saved = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Article) and obj.id is not None]
    copy_listing_times(session.connection(), saved)
    search.follow_flush(session, set(bulk.retagged))
    if pages_changed(session, bulk) and not session.info.get(PAGES_CHANGED):
        SiteVersion.move(session)
        session.info[PAGES_CHANGED] = True


def pages_changed(session: Session, bulk: BulkChanges) -> bool:
    """True when the flush or a bulk statement touched a table readers see."""
    flushed = (*session.new, *session.dirty, *session.deleted)
    return bool(bulk.tables & PAGE_TABLES) or any(seen_by_readers(obj) for obj in flushed)


def seen_by_readers(row) -> bool:
    """Whether a row's change shows on a reader's page: not a comment held before and after (its author's own)."""
    if getattr(row, "__tablename__", None) not in PAGE_TABLES:
        return False
    held = isinstance(row, Comment) and row.status == CommentStatus.PENDING
    return not (held and not inspect(row).attrs.status.history.deleted)


def after_flush(session: Session, flush_context) -> None:
    """The one flush handler: follow what was flushed, and any bulk change said before it."""
    follow(session, take_bulk_changes(session))


def before_commit(session: Session) -> None:
    """Follow bulk changes that no flush followed: a transaction whose only changes were bulk statements."""
    session.flush()  # a flush still to come follows them itself
    bulk = take_bulk_changes(session)
    if bulk.tables or bulk.retagged:
        follow(session, bulk)


def after_commit(session: Session) -> None:
    """A change committed here shows on this process's next page at once, not a second later."""
    if session.info.pop(PAGES_CHANGED, False) and has_app_context():
        cache = current_app.extensions.get("pagecache")
        if cache is not None:
            cache.reread_version()


def after_rollback(session: Session, previous_transaction) -> None:
    """A change rolled back moved nothing, and what bulk statements said is void."""
    session.info.pop(PAGES_CHANGED, None)
    take_bulk_changes(session)


HANDLERS = (("after_flush", after_flush), ("before_commit", before_commit), ("after_commit", after_commit),
            ("after_soft_rollback", after_rollback))


def init_app(app: Flask) -> None:
    """Register the pipeline on the app's session (once per process: every app shares `db`)."""
    for name, handler in HANDLERS:
        if not event.contains(db.session, name, handler):
            event.listen(db.session, name, handler)
