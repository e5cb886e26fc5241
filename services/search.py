"""Full-text search of published articles: SQLite FTS5 or PostgreSQL tsvector behind one interface.

Pages call `read_query`, `search` and `reindex`; only this module knows which engine answers. The index
holds each article's plain text (title, summary, the body's words, tag names; never HTML) and follows
every change in the transaction that makes it (`follow_flush`, called by the write pipeline). "Published" is decided at query
time by `Article.is_published()`, so a scheduled article becomes findable when its time comes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import Text, bindparam, column, func, literal_column, select, table, text, update
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload

from models import Article, Tag, article_tags, db

MAX_QUERY_CHARS = 200
MAX_PAGES = 10
# Words as the index's tokenizers see them: runs of letters and digits. Everything else (quotes,
# stars, colons, brackets, operators, control characters) separates words and is never syntax.
WORD = re.compile(r"[^\W_]+")
# Private-use code points cannot come from a reader's text; they mark matches until the snippet is escaped.
MARK_START, MARK_END = "\ue000", "\ue001"
SNIPPET_WORDS = 30
BATCH = 500
# Relative weights of title, summary, body and tags (bm25 on SQLite; A, B, C, C on PostgreSQL).
WEIGHTS = (10.0, 4.0, 1.0, 1.0)


@dataclass
class Terms:
    """What the reader typed, as shown back to them, and the words it is searched for."""

    shown: str
    words: list[str]
    shortened: bool = False


@dataclass
class Hit:
    """One result: the article (with its category loaded) and its snippet, escaped then marked."""

    article: Article
    snippet: Markup


@dataclass
class Results:
    """One page of results and whether another page follows."""

    hits: list[Hit] = field(default_factory=list)
    has_next: bool = False


@dataclass
class Document:
    """The plain text one article is indexed by, without the match markers (an editor could paste them)."""

    id: int
    title: str
    summary: str
    body: str
    tags: str

    def __post_init__(self) -> None:
        """Drop the private-use markers from every part, so only the engine's marks become <mark>."""
        markers = {ord(MARK_START): None, ord(MARK_END): None}
        for name in ("title", "summary", "body", "tags"):
            setattr(self, name, (getattr(self, name) or "").translate(markers))


def read_query(raw: str | None) -> Terms:
    """The reader's text, cut to MAX_QUERY_CHARS and cleaned of control characters, and its words."""
    raw = raw or ""
    shortened = len(raw) > MAX_QUERY_CHARS
    kept = unicodedata.normalize("NFC", raw[:MAX_QUERY_CHARS])
    shown = " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in kept).split())
    return Terms(shown, WORD.findall(shown.lower()), shortened)


def fts5_query(words: list[str]) -> str:
    """Each word a quoted FTS5 string, the last one a prefix: nothing the reader types is syntax."""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    return " ".join(quoted) + "*"


def tsquery_text(words: list[str], any_word: bool = False) -> str:
    """Each word a quoted to_tsquery lexeme joined by & (by | for any_word), the last one a prefix (:*)."""
    quoted = ["'" + word.replace("\\", "\\\\").replace("'", "''") + "'" for word in words]
    return (" | " if any_word else " & ").join(quoted) + ":*"


def marked_snippet(raw: str | None) -> Markup:
    """The engine's snippet escaped as text, then its match markers turned into <mark>."""
    escaped = str(escape(raw or ""))
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def search(terms: Terms, page: int = 1) -> Results:
    """One page of published articles matching every word, best first; empty for no words."""
    if not terms.words:
        return Results()
    per_page = current_app.config["SEARCH_RESULTS_PER_PAGE"]
    rows = _engine(db.session.get_bind()).search(terms.words, (page - 1) * per_page, per_page + 1)
    hits = [Hit(article, marked_snippet(snippet)) for article, snippet in rows]
    return Results(hits[:per_page], len(hits) > per_page)


# --- The two engines -----------------------------------------------------------------------------------------


class Fts5Index:
    """SQLite: the FTS5 table `search_index` (rowid = article id), porter-stemmed, bm25-ranked."""

    table = table("search_index", column("rowid"), column("title"), column("summary"), column("body"),
                  column("tags"))

    def search(self, words: list[str], offset: int, limit: int) -> list:
        """(article, raw snippet) rows of published matches, best first.

        The page's ids are ranked first, alone: SQLite computes every selected column before it sorts,
        and a snippet for each of 10,000 matches would cost more than the ranking itself.
        """
        index, phrase = literal_column("search_index"), fts5_query(words)
        rank = func.bm25(index, *WEIGHTS)
        best = (select(self.table.c.rowid).join(Article, Article.id == self.table.c.rowid)
                .where(text("search_index MATCH :ranked").bindparams(ranked=phrase), Article.is_published())
                .order_by(rank, Article.published_at.desc(), Article.id.desc()).offset(offset).limit(limit))
        snippet = func.snippet(index, 2, MARK_START, MARK_END, "…", SNIPPET_WORDS)
        query = (select(Article, snippet).join(self.table, self.table.c.rowid == Article.id)
                 .where(text("search_index MATCH :shown").bindparams(shown=phrase), self.table.c.rowid.in_(best))
                 .order_by(rank, Article.published_at.desc(), Article.id.desc()).options(joinedload(Article.category)))
        return list(db.session.execute(query))

    def drop(self, connection: Connection, ids: Iterable[int]) -> None:
        """Remove articles from the index."""
        for chunk in chunks(list(ids)):
            connection.execute(self.table.delete().where(self.table.c.rowid.in_(chunk)))

    def store(self, connection: Connection, documents: list[Document]) -> None:
        """Index (or index again) whole documents."""
        self.drop(connection, [document.id for document in documents])
        if documents:
            connection.execute(self.table.insert(), [
                {"rowid": d.id, "title": d.title, "summary": d.summary, "body": d.body, "tags": d.tags}
                for d in documents])

    def retag(self, connection: Connection, tag_names: dict[int, str]) -> None:
        """Change only the tag names of indexed articles; FTS5 keeps the rest as stored."""
        if tag_names:
            statement = update(self.table).where(self.table.c.rowid == bindparam("b_id")).values(tags=bindparam("b_tags"))
            connection.execute(statement, [{"b_id": key, "b_tags": names} for key, names in tag_names.items()])

    def clear(self, connection: Connection) -> None:
        """Empty the index before a rebuild."""
        connection.execute(self.table.delete())

    def missing(self):
        """The count of articles without a row in the index."""
        return select(func.count(Article.id)).where(Article.id.not_in(select(self.table.c.rowid)))


class TsvectorIndex:
    """PostgreSQL: articles.search_vector (weighted A/B/C) under a GIN index finds; ts_rank on search_head orders.

    The application fills both: tag names live in another table, which a generated column cannot read.
    `search_head` holds the title (A) and summary (B) alone: ranking on it reads a vector of a few dozen words
    stored in the row, where ranking on search_vector would read every match's whole body vector out of
    TOAST (140 ms of 226 for 9,739 matches). Matches found only in the body or tags come after, newest first.
    `search_body` keeps the body's plain text for ts_headline.
    """

    table = table("articles", column("id"), column("title"), column("summary"),
                  column("search_vector", TSVECTOR), column("search_head", TSVECTOR), column("search_body", Text))

    def search(self, words: list[str], offset: int, limit: int) -> list:
        """(article, raw headline) rows of published matches, best first.

        The page's ids are ranked first, alone: a headline in the same query would be computed for every
        row the OFFSET skips too (180 of them on page 10), each reading a whole body out of TOAST.
        """
        query_ = func.to_tsquery("english", tsquery_text(words))
        # Ranked against any of the words, so a title holding some of them still outranks one holding none.
        ranking = func.to_tsquery("english", tsquery_text(words, any_word=True))
        # The columns the models leave out, named on the articles table the query already reads.
        vector = literal_column("articles.search_vector", TSVECTOR)
        head = literal_column("articles.search_head", TSVECTOR)
        body = literal_column("articles.search_body", Text)
        rank = func.ts_rank(head, ranking).label("rank")
        best = (select(Article.id, rank).where(vector.op("@@")(query_), Article.is_published())
                .order_by(rank.desc(), Article.published_at.desc(), Article.id.desc())
                .offset(offset).limit(limit).subquery())
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, MinWords=12"
        headline = func.ts_headline("english", body, query_, options)
        query = (select(Article, headline).join(best, best.c.id == Article.id)
                 .order_by(best.c.rank.desc(), Article.published_at.desc(), Article.id.desc())
                 .options(joinedload(Article.category)))
        return list(db.session.execute(query))

    @staticmethod
    def part(value, weight: str):
        """One part of an article as a tsvector of the given weight."""
        # The weight is a "char" constant; a bound varchar would match no setweight().
        return func.setweight(func.to_tsvector("english", func.coalesce(value, "")), literal_column(f"'{weight}'"))

    @classmethod
    def head(cls, title, summary):
        """The weighted tsvector of an article's title and summary, which results are ranked by."""
        return cls.part(title, "A").op("||")(cls.part(summary, "B"))

    @classmethod
    def vector(cls, title, summary, body, tags):
        """The weighted tsvector of all an article's parts, which matches are found in."""
        return cls.head(title, summary).op("||")(cls.part(body, "C")).op("||")(cls.part(tags, "C"))

    def drop(self, connection: Connection, ids: Iterable[int]) -> None:
        """Nothing to do: the vector goes with its article's row."""

    def store(self, connection: Connection, documents: list[Document]) -> None:
        """Compute the vectors of whole documents."""
        if documents:
            vector = self.vector(bindparam("b_title"), bindparam("b_summary"), bindparam("b_body"), bindparam("b_tags"))
            statement = (update(self.table).where(self.table.c.id == bindparam("b_id"))
                         .values(search_vector=vector, search_body=bindparam("b_body"),
                                 search_head=self.head(bindparam("b_title"), bindparam("b_summary"))))
            connection.execute(statement, [{"b_id": d.id, "b_title": d.title, "b_summary": d.summary,
                                            "b_body": d.body, "b_tags": d.tags} for d in documents])

    def retag(self, connection: Connection, tag_names: dict[int, str]) -> None:
        """Recompute vectors with new tag names from the stored title, summary and body text."""
        if tag_names:
            columns = self.table.c
            vector = self.vector(columns.title, columns.summary, columns.search_body, bindparam("b_tags"))
            statement = (update(self.table).where(columns.id == bindparam("b_id"))
                         .values(search_vector=vector, search_head=self.head(columns.title, columns.summary)))
            connection.execute(statement, [{"b_id": key, "b_tags": names} for key, names in tag_names.items()])

    def clear(self, connection: Connection) -> None:
        """Nothing to empty: a rebuild overwrites every article's vector."""

    def missing(self):
        """The count of articles lacking either vector."""
        columns = self.table.c
        return select(func.count()).select_from(self.table).where(columns.search_vector.is_(None) | columns.search_head.is_(None))


def _engine(bind) -> Fts5Index | TsvectorIndex:
    """The index for this database: FTS5 on SQLite, tsvector on PostgreSQL."""
    return TsvectorIndex() if bind.dialect.name == "postgresql" else Fts5Index()


# --- Keeping the index in step -------------------------------------------------------------------------------


def chunks(items: list, size: int = BATCH) -> Iterable[list]:
    """Slices of at most `size` items, so IN lists stay short."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def tag_names_of(connection: Connection, ids: Iterable[int]) -> dict[int, str]:
    """{article id: its tag names, space-separated} ("" for none)."""
    ids = list(ids)
    names = {key: [] for key in ids}
    for chunk in chunks(ids):
        query = (select(article_tags.c.article_id, Tag.name).join(Tag, Tag.id == article_tags.c.tag_id)
                 .where(article_tags.c.article_id.in_(chunk)))
        for article_id, name in connection.execute(query):
            names[article_id].append(name)
    return {key: " ".join(sorted(value)) for key, value in names.items()}


def _content_changed(session: Session, article: Article) -> bool:
    """True when a saved article is new, or its indexed text (title, summary, body, tags) changed."""
    if article in session.new:
        return True
    attributes = db.inspect(article).attrs
    return any(attributes[name].history.has_changes() for name in ("title", "summary", "body_source", "tags"))


def follow_flush(session: Session, retagged: set[int]) -> None:
    """Index what a flush saved or deleted, every tag it renamed, and the articles a bulk statement retagged.

    Called by the write pipeline (services/pipeline.py), in the transaction that makes the change.
    """
    articles = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Article) and obj.id is not None]
    changed = {article.id: article for article in articles if _content_changed(session, article)}
    deleted = [obj.id for obj in session.deleted if isinstance(obj, Article)]
    renamed = [obj.id for obj in session.dirty if isinstance(obj, Tag) and db.inspect(obj).attrs.name.history.has_changes()]
    if not (changed or deleted or renamed or retagged):
        return
    connection = session.connection()
    if renamed:
        retagged |= set(connection.execute(select(article_tags.c.article_id).where(article_tags.c.tag_id.in_(renamed))).scalars())
    index = _engine(connection)
    index.drop(connection, deleted)
    names = tag_names_of(connection, set(changed) | retagged)
    index.store(connection, [document_of(article, names[key]) for key, article in changed.items()])
    index.retag(connection, {key: names[key] for key in retagged - set(changed) - set(deleted)})


def document_of(article: Article, tags: str) -> Document:
    """The indexed text of an article in hand."""
    return Document(article.id, article.title, article.summary, article.plain_text(), tags)


# --- Rebuilding ----------------------------------------------------------------------------------------------


def reindex(progress: Callable[[int], None] = lambda done: None, session: Session | None = None) -> int:
    """Rebuild the whole index from the articles, in one transaction; returns how many were indexed.

    `session` is the app's by default; `flask copy-site` passes one on the database it copied to.
    """
    session = session or db.session
    connection = session.connection()
    index = _engine(connection)
    index.clear(connection)
    ids = list(session.execute(select(Article.id).order_by(Article.id)).scalars())
    for chunk in chunks(ids):
        rows = session.execute(select(Article.id, Article.title, Article.summary, Article.body_source)
                               .where(Article.id.in_(chunk))).all()
        names = tag_names_of(connection, chunk)
        index.store(connection, [Document(key, title, summary, Article.plain_text_of(source), names[key])
                                 for key, title, summary, source in rows])
        progress(len(chunk))
    session.commit()
    return len(ids)


def missing_count() -> int:
    """How many articles the index lacks: all of them after upgrading a site with articles to the index."""
    return db.session.execute(_engine(db.session.get_bind()).missing()).scalar_one()


def store_documents(documents: list[Document]) -> None:
    """Index documents prepared elsewhere (the data generator), in the session's transaction."""
    connection = db.session.connection()
    _engine(connection).store(connection, documents)


def include_object(obj, name: str, type_: str, reflected: bool, compare_to) -> bool:
    """Hide the search index (FTS5 tables, the tsvector column and its index) from migration autogenerate."""
    return not (name or "").startswith("search_")
