"""A search index over each article's plain text

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-02 14:00:00

SQLite: an FTS5 table (rowid = article id) with the porter tokenizer. PostgreSQL: a tsvector column
under a GIN index, and the body's plain text for ts_headline; the application fills both
(`flask --app app init-db` indexes the articles of a site upgraded to this revision).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("articles", sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True))
        op.add_column("articles", sa.Column("search_body", sa.Text(), nullable=True))
        op.create_index("search_ix_articles_vector", "articles", ["search_vector"], postgresql_using="gin")
    else:
        op.execute("CREATE VIRTUAL TABLE search_index USING fts5("
                   "title, summary, body, tags, tokenize = 'porter unicode61 remove_diacritics 2')")
    # Most read in the last week: read along reads, newest reads first, stopping at five recent ones.
    op.create_index("ix_articles_most_read", "articles", ["status", "reads", "published_at", "id"])


def downgrade():
    op.drop_index("ix_articles_most_read", table_name="articles")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("search_ix_articles_vector", table_name="articles")
        op.drop_column("articles", "search_body")
        op.drop_column("articles", "search_vector")
    else:
        op.execute("DROP TABLE search_index")
