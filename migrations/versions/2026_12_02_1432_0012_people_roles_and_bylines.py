"""People: display names and author pages, roles, invitations, and bylines in order

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 14:00:00.000000

Every account made before roles existed could do everything, so each becomes an admin. Their
display name starts as their sign-in name (each can change it on their account page); existing
articles get no byline until an editor gives them one.
"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0009'
branch_labels = None
depends_on = None


def frozen_slug(name, account_id, taken):
    """An author-page slug for an existing account: lowercase ASCII words, unique; frozen here on purpose."""
    slug = "-".join(re.findall(r"[a-z0-9]+", name.lower()))[:80] or f"author-{account_id}"
    return slug if slug not in taken else f"{slug}-{account_id}"


def add_creator_column():
    """articles.created_by_id with its foreign key; SQLite takes the key inside ADD COLUMN, with no rebuild.

    No ON DELETE: accounts are deactivated, never deleted, and SQLite would not report an inline one back.
    """
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE articles ADD COLUMN created_by_id INTEGER CONSTRAINT fk_articles_created_by_id_users'
                   ' REFERENCES users (id)')
        return
    op.add_column('articles', sa.Column('created_by_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_articles_created_by_id_users'), 'articles', 'users', ['created_by_id'], ['id'])


def upgrade():
    # Only ALTER TABLE ... ADD COLUMN and new indexes here: rebuilding `users` or `articles` on SQLite
    # would drop the old table, and its ON DELETE CASCADE would take sessions, tag links and comments along.
    op.add_column('users', sa.Column('display_name', sa.String(length=80), server_default='', nullable=False))
    op.add_column('users', sa.Column('slug', sa.String(length=100), server_default='', nullable=False))
    op.add_column('users', sa.Column('bio', sa.String(length=600), server_default='', nullable=False))
    op.add_column('users', sa.Column('role', sa.String(length=16), server_default='writer', nullable=False))
    op.add_column('users', sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))

    users = sa.table('users', sa.column('id', sa.Integer), sa.column('username', sa.String),
                     sa.column('display_name', sa.String), sa.column('slug', sa.String), sa.column('role', sa.String))
    connection = op.get_bind()
    taken = set()
    for account_id, username in connection.execute(sa.select(users.c.id, users.c.username).order_by(users.c.id)):
        slug = frozen_slug(username, account_id, taken)
        taken.add(slug)
        # Every account made before roles existed could do everything: it stays able to.
        connection.execute(users.update().where(users.c.id == account_id)
                           .values(display_name=username, slug=slug, role='admin'))

    op.create_index(op.f('ix_users_display_name'), 'users', ['display_name'], unique=True)
    op.create_index(op.f('ix_users_slug'), 'users', ['slug'], unique=True)

    add_creator_column()
    op.add_column('articles', sa.Column('review_requested_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_articles_created_by_id'), 'articles', ['created_by_id'], unique=False)
    op.create_index(op.f('ix_articles_review_requested_at'), 'articles', ['review_requested_at'], unique=False)

    op.create_table('article_authors',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_authors_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_authors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'user_id', name=op.f('pk_article_authors'))
    )
    with op.batch_alter_table('article_authors', schema=None) as batch_op:
        batch_op.create_index('ix_article_authors_listing', ['user_id', 'listed_at', 'article_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('invitations')
    op.drop_table('article_authors')
    op.drop_index(op.f('ix_articles_review_requested_at'), table_name='articles')
    op.drop_index(op.f('ix_articles_created_by_id'), table_name='articles')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('review_requested_at')
        batch_op.drop_column('created_by_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_slug'))
        batch_op.drop_index(batch_op.f('ix_users_display_name'))
        for column in ('active', 'role', 'bio', 'slug', 'display_name'):
            batch_op.drop_column(column)
