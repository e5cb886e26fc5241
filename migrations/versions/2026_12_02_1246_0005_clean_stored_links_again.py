"""Clean stored comments and article bodies again under the URL rules that read links as browsers do

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:10:00

Comments stored before could keep links such as href="javascript:123", which the old check read
as a relative link; article bodies are rendered again from their Markdown source.
"""
from alembic import op
import sqlalchemy as sa

from content.sanitize import resanitize_stored_comment
from content.text import render_markdown

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

comments = sa.table("comments", sa.column("id", sa.Integer), sa.column("body_html", sa.Text))
articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("body_source", sa.Text),
                    sa.column("body_html", sa.Text))


def upgrade():
    connection = op.get_bind()
    for row in connection.execute(sa.select(comments.c.id, comments.c.body_html)).all():
        cleaned = resanitize_stored_comment(row.body_html)
        if cleaned != row.body_html:
            connection.execute(comments.update().where(comments.c.id == row.id).values(body_html=cleaned))
    for row in connection.execute(sa.select(articles.c.id, articles.c.body_source, articles.c.body_html)).all():
        rendered, _ = render_markdown(row.body_source or "")
        if rendered != row.body_html:
            connection.execute(articles.update().where(articles.c.id == row.id).values(body_html=rendered))


def downgrade():
    # Cleaning cannot be undone, and nothing needs the unsafe HTML back.
    pass
