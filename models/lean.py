"""Statements compiled once and run on the driver: for the few writes every reader or commenter makes."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass


@dataclass(frozen=True)
class Compiled:
    """A statement as one database's driver takes it: its SQL, how to convert each value, how to read each result."""

    sql: str
    positions: tuple[str, ...] | None  # the parameters' order, for a driver that takes them by position
    defaults: dict
    converters: dict[str, Callable]
    results: tuple[Callable | None, ...]

    def parameters(self, values: dict):
        """The values as the driver takes them: converted (a UTC time to SQLite's text), in order."""
        parameters = self.defaults | values
        for name, convert in self.converters.items():
            parameters[name] = convert(parameters[name])
        return parameters if self.positions is None else tuple(parameters[name] for name in self.positions)

    def row(self, raw) -> tuple | None:
        """A driver's row read as the models' types read it (SQLite's text back to a UTC time)."""
        if raw is None:
            return None
        return tuple(value if read is None else read(value) for read, value in zip(self.results, raw, strict=True))


class Lean:
    """A Core statement compiled once per database and run on the driver, without SQLAlchemy's work around it.

    For the writes every reader or commenter makes (a read counted, a comment's limits checked): that
    work costs more than the write itself, and on SQLite it happens while the database's one write
    lock is held, so app servers queue behind each other. SQLAlchemy compiles an ON CONFLICT
    statement afresh at every execution; this compiles it once. The statement is still built from
    the models; only running it is pared down.
    """

    def __init__(self, statement, writes: bool = False) -> None:
        self.statement = statement
        self.writes = writes
        self.compiled: dict[str, Compiled] = {}

    def for_dialect(self, dialect) -> Compiled:
        """The statement compiled for this database, built the first time it is asked for."""
        if dialect.name not in self.compiled:
            compiled = self.statement.compile(dialect=dialect)
            converters = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                          for name, bind in compiled.binds.items()}
            results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                            for column in self.statement.exported_columns)
            self.compiled[dialect.name] = Compiled(
                compiled.string, tuple(compiled.positiontup) if compiled.positional else None,
                {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}, {name: c for name, c in converters.items() if c}, results)
        return self.compiled[dialect.name]

    def first_value(self, engine, **values):
        """The first column of the first row the statement returns (None for no row), in its own transaction."""
        compiled = self.for_dialect(engine.dialect)
        parameters = compiled.parameters(values)
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            with WRITER_TURNS.turn(engine) if self.writes else nullcontext():  # only while it writes
                cursor.execute(compiled.sql, parameters)
                raw = cursor.fetchone()
                connection.commit()
            row = compiled.row(raw)
            return None if row is None else row[0]
        finally:
            connection.close()

    def first_row(self, connection, **values) -> tuple | None:
        """The first row the statement returns, run in the transaction of `connection` (a SQLAlchemy Connection)."""
        compiled = self.for_dialect(connection.dialect)
        return compiled.row(connection.exec_driver_sql(compiled.sql, compiled.parameters(values)).fetchone())


class WriterTurns:
    """Writers to one SQLite file take turns through a file lock, each woken the moment the last is done.

    SQLite's own wait is a sleep: a writer that finds the write lock taken sleeps 1, then 2, then 5 ms
    and more before trying again, although a count holds the lock for tens of microseconds and a
    comment for about a millisecond. With two app servers writing at once, much of their time went
    to those sleeps. `flock` hands the turn on at once. SQLite still guards every write (a writer
    that takes no turn waits as before); the turns only order the frequent writes among themselves.
    PostgreSQL locks rows, not the database, and needs no turns.
    """

    def __init__(self) -> None:
        self.files: dict[tuple[int, str], int] = {}
        self.threads = threading.Lock()
        self.held = threading.local()

    def lock_file(self, database: str) -> int:
        """This process's descriptor of the lock file beside the database; opened after any fork, since
        processes sharing one open file would share its lock."""
        key = (os.getpid(), database)
        if key not in self.files:
            self.files[key] = os.open(database + "-turns", os.O_RDWR | os.O_CREAT, 0o600)
        return self.files[key]

    @contextmanager
    def turn(self, engine):
        """Hold the turn to write to this engine's SQLite file (nothing for another database); a turn
        taken inside one already held is part of it."""
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:" or database.startswith("file:") or getattr(self.held, "turn", False):
            yield
            return
        with self.threads:  # threads of one process share its file lock; they take turns here first
            descriptor = self.lock_file(database)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            self.held.turn = True
            try:
                yield
            finally:
                self.held.turn = False
                fcntl.flock(descriptor, fcntl.LOCK_UN)


WRITER_TURNS = WriterTurns()
# Writes that many readers make at once take their turn through this: `with write_turn(engine): ...`.
write_turn = WRITER_TURNS.turn


