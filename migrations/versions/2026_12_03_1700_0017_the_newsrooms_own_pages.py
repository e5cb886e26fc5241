"""The newsroom's own pages: About, Contact, Corrections policy and Privacy, as drafts

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 17:00:00

A news site needs these four before it goes live, so every site gets them here, once: a new one
(`init-db` runs the migrations) and one being upgraded alike. They are drafts with a placeholder
sentence an editor replaces before publishing; a page deleted later is never made again.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# (slug, title, placeholder): plain sentences, so their HTML is one paragraph of the same words.
STARTER_PAGES = [
    ('about', 'About',
     'Replace this with who we are: the newsroom, who owns it, and how it is paid for.'),
    ('contact', 'Contact',
     'Replace this with how readers reach the newsroom: an address for news tips, one for corrections, '
     'and a postal address.'),
    ('corrections-policy', 'Corrections policy',
     'Replace this with how we correct mistakes: how to report one, who decides, and how a correction is '
     'shown on the article.'),
    ('privacy', 'Privacy',
     'Replace this with what the site records about readers, why, for how long, and whom to ask about it.'),
]


def upgrade():
    table = op.create_table(
        'site_pages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body_source', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('excerpt', sa.String(length=300), nullable=False),
        sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('footer_place', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_pages')),
        sa.UniqueConstraint('slug', name=op.f('uq_site_pages_slug')),
    )
    op.create_index(op.f('ix_site_pages_footer_place'), 'site_pages', ['footer_place'], unique=False)
    now = datetime.now(UTC)
    op.bulk_insert(table, [
        {'slug': slug, 'title': title, 'body_source': text, 'body_html': f'<p>{text}</p>\n', 'excerpt': text,
         'published': False, 'footer_place': place, 'updated_at': now}
        for place, (slug, title, text) in enumerate(STARTER_PAGES, start=1)
    ])


def downgrade():
    op.drop_index(op.f('ix_site_pages_footer_place'), table_name='site_pages')
    op.drop_table('site_pages')
