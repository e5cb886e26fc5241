"""The database-backed limiter that comments and sign-in share."""

from __future__ import annotations

import functools
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import bindparam, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from content.text import AtMostEvery, now_utc
from models import Lean, RateLimit, UTCDateTime, db
from web.settings import Rule


@dataclass(frozen=True)
class Verdict:
    """Whether a hit is allowed and, if not, how many seconds until it would be."""

    allowed: bool
    retry_after: int = 0


@functools.cache
def _upsert(dialect_name: str):
    """One atomic statement: start a window at the first hit, count hits in it, restart it when over.

    Built once per database with bound values (key, now, cutoff) and compiled once (`Lean`): SQLAlchemy
    would compile an ON CONFLICT statement again at every hit.
    """
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = RateLimit.__table__
    now = bindparam("now", type_=UTCDateTime())
    expired = table.c.window_start <= bindparam("cutoff", type_=UTCDateTime())
    statement = dialect.insert(table).values(key=bindparam("key"), window_start=now, hits=1)
    return Lean(statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"hits": case((expired, 1), else_=table.c.hits + 1), "window_start": case((expired, now),
                                                                                      else_=table.c.window_start)},
    ).returning(table.c.hits, table.c.window_start))


def _count(key: str, period: int) -> tuple[int, datetime]:
    """Hits so far in key's window (this one included) and when the window began."""
    now = now_utc()
    connection = db.session.connection()
    hits, window_start = _upsert(connection.dialect.name).first_row(
        connection, key=key, now=now, cutoff=now - timedelta(seconds=period))
    return hits, window_start


def hit(key: str, rules: tuple[Rule, ...]) -> Verdict:
    """Count one hit on key under every rule (in the caller's transaction); refused if any rule is over."""
    wait = 0.0
    for rule in rules:
        hits, window_start = _count(f"{key}|{rule.limit}/{rule.period}", rule.period)
        if hits > rule.limit:
            window_end = window_start + timedelta(seconds=rule.period)
            wait = max(wait, (window_end - now_utc()).total_seconds())
    return Verdict(allowed=wait <= 0, retry_after=math.ceil(wait))


def count_failure(key: str, rule: Rule) -> bool:
    """Count one failure; when they reach rule.limit within its period, lock key for one period."""
    hits, _ = _count(f"{key}|failures", rule.period)
    if hits >= rule.limit:
        db.session.execute(delete(RateLimit).where(RateLimit.key == f"{key}|lock"))
        _count(f"{key}|lock", rule.period)
        return True
    return False


def locked_for(key: str, period: int) -> int:
    """Seconds until key's lock (from count_failure) ends; 0 when it is not locked."""
    started = db.session.execute(select(RateLimit.window_start).where(RateLimit.key == f"{key}|lock")).scalar()
    if started is None:
        return 0
    return max(0, math.ceil((started + timedelta(seconds=period) - now_utc()).total_seconds()))


def forget(key: str) -> None:
    """Drop every count and lock kept under key (an administrator lifted it)."""
    db.session.execute(delete(RateLimit).where(RateLimit.key.startswith(f"{key}|", autoescape=True)))


def address_key(address: str) -> str:
    """What a limit counts per: the address, or for IPv6 its /64, which one household rotates through."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def requester_key() -> str:
    """What the limits count this request's client under: its address (or IPv6 /64).

    Behind trusted proxies the address is already the client's (web/proxies.py).
    """
    return address_key(request.remote_addr or "unknown")


# Old windows are dropped at most hourly per process: the DELETE cost a comment more than all its other statements.
SWEEPS = AtMostEvery(timedelta(hours=1))


# Every rule's window is shorter than this; a window that started before it counts nothing any more.
WINDOWS_KEPT = timedelta(days=1)


def forget_expired() -> None:
    """Drop windows that ended long ago, at most hourly per process, so the table holds only recent clients."""
    if SWEEPS.due():
        remove_old_windows()


def remove_old_windows() -> int:
    """Drop every window that started more than a day ago (in the caller's transaction); how many."""
    return db.session.execute(delete(RateLimit).where(RateLimit.window_start < now_utc() - WINDOWS_KEPT)).rowcount
