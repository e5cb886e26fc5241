"""What the demo added, facts about the site, and authors' former addresses

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:40:00

`demo_rows` names every row the demo added, so `flask remove-demo` removes exactly those and nothing
a person made. `site_facts` remembers that a site was offered the demo once, so it never returns.
`author_redirects` keeps an author page's former slugs after a rename, as tags and categories do.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'demo_rows',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'row_id', name=op.f('pk_demo_rows')),
    )
    op.create_table(
        'site_facts',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_site_facts')),
    )
    op.create_table(
        'author_redirects',
        sa.Column('old_slug', sa.String(length=100), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_author_redirects_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('old_slug', name=op.f('pk_author_redirects')),
    )
    with op.batch_alter_table('author_redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_author_redirects_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('author_redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_author_redirects_user_id'))
    op.drop_table('author_redirects')
    op.drop_table('site_facts')
    op.drop_table('demo_rows')
