"""pictures, and an article's lead picture

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-02 13:50:00

Pictures are stored as re-encoded files named by a content hash under MEDIA_ROOT; this table holds
what the newsroom typed about each one. An article may pick one as its lead picture; deleting a
picture leaves the article without one.
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pictures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=32), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('alt', sa.String(length=300), nullable=False),
        sa.Column('caption', sa.String(length=300), nullable=False),
        sa.Column('credit', sa.String(length=200), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pictures')),
        sa.UniqueConstraint('hash', name=op.f('uq_pictures_hash')),
    )
    with op.batch_alter_table('pictures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pictures_uploaded_at'), ['uploaded_at'], unique=False)
    add_lead_picture_column()


def add_lead_picture_column():
    """articles.lead_picture_id with its named foreign key; on SQLite, a table copy that deletes nothing."""
    with foreign_keys_off():
        with op.batch_alter_table('articles', schema=None) as batch_op:
            batch_op.add_column(sa.Column('lead_picture_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f('ix_articles_lead_picture_id'), ['lead_picture_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_articles_lead_picture_id_pictures'), 'pictures',
                                        ['lead_picture_id'], ['id'], ondelete='SET NULL')


@contextmanager
def foreign_keys_off():
    """On SQLite, foreign keys off while `articles` is copied: dropping the old table would otherwise
    delete every comment, tag link and redirect of every article (ON DELETE CASCADE).

    SQLite ignores the pragma inside a transaction, so one an earlier revision's UPDATE opened is
    committed first (SQLite's DDL is not transactional here anyway).
    """
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    op.execute('PRAGMA foreign_keys=OFF')
    try:
        yield
    finally:
        op.execute('PRAGMA foreign_keys=ON')


def downgrade():
    with foreign_keys_off():
        with op.batch_alter_table('articles', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_articles_lead_picture_id_pictures'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_articles_lead_picture_id'))
            batch_op.drop_column('lead_picture_id')
    with op.batch_alter_table('pictures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pictures_uploaded_at'))
    op.drop_table('pictures')
