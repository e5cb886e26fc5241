"""Search every word of a body; on PostgreSQL, rank by title and summary alone

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-02 16:30:00

Until this revision the index held only a body's top-level paragraphs, so words only in its headings,
lists, quotes, tables or code were never found. Every article already indexed gets its body text derived
again, by the rule copied here frozen on purpose: this revision must keep doing what it did when the
application's own rule changes. PostgreSQL also gets `search_head`, the title (A) and summary (B) vector
results are ranked by, filled here for the same articles; `flask --app app init-db` indexes the rest.
"""
import re

import sqlalchemy as sa
from alembic import op
from markdown_it import MarkdownIt
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 500
PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")
TAG_LIKE = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)
# The private-use characters search results are marked with; the index never holds them.
MARKERS = {0xE000: None, 0xE001: None}

articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("body_source", sa.Text),
                    sa.column("search_vector", postgresql.TSVECTOR))
search_index = sa.table("search_index", sa.column("rowid", sa.Integer))


def inline_words(token):
    """The text of one inline token, line breaks as spaces."""
    return "".join(child.content if child.type in ("text", "code_inline") else " "
                   for child in token.children or () if child.type in ("text", "code_inline", "softbreak", "hardbreak"))


def body_text(source):
    """Every word a reader sees in a Markdown body (text.markdown_text as written with this revision)."""
    parts = []
    for token in PARSER.parse(source):
        if token.type == "inline":
            parts.append(inline_words(token))
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
    return " ".join(TAG_LIKE.sub(" ", " ".join(parts)).split()).translate(MARKERS)


def weighted(value, weight):
    """SQL for one part of an article as a weighted tsvector (search.TsvectorIndex.part)."""
    return f"setweight(to_tsvector('english', coalesce({value}, '')), '{weight}')"


HEAD = f"{weighted('title', 'A')} || {weighted('summary', 'B')}"
TAG_NAMES = ("(SELECT string_agg(tags.name, ' ') FROM article_tags JOIN tags ON tags.id = article_tags.tag_id"
             " WHERE article_tags.article_id = articles.id)")
POSTGRESQL_UPDATE = sa.text(
    f"UPDATE articles SET search_body = :body, search_head = {HEAD},"
    f" search_vector = {HEAD} || {weighted(':body', 'C')} || {weighted(TAG_NAMES, 'C')} WHERE id = :id")
SQLITE_UPDATE = sa.text("UPDATE search_index SET body = :body WHERE rowid = :id")


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.add_column("articles", sa.Column("search_head", postgresql.TSVECTOR(), nullable=True))
        indexed = sa.select(articles.c.id).where(articles.c.search_vector.is_not(None))
        statement = POSTGRESQL_UPDATE
    else:
        indexed = sa.select(search_index.c.rowid)
        statement = SQLITE_UPDATE
    ids = sorted(connection.execute(indexed).scalars())
    for start in range(0, len(ids), BATCH):
        rows = connection.execute(sa.select(articles.c.id, articles.c.body_source)
                                  .where(articles.c.id.in_(ids[start:start + BATCH])))
        connection.execute(statement, [{"id": key, "body": body_text(source or "")} for key, source in rows])
    if connection.dialect.name != "postgresql":
        # Every row was rewritten: merge FTS5's segments and drop the old rows' entries (half its size).
        connection.execute(sa.text("INSERT INTO search_index (search_index) VALUES ('optimize')"))


def downgrade():
    # The fuller body text stays: the earlier revision searches it as it would its own.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("articles", "search_head")
