"""one counter every change to what readers see moves, so cached pages know they are stale

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 14:00:00

Every app process keeps rendered anonymous pages in memory; it reads this single row at most once
a second and drops its pages when the number has moved.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'site_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('site_version')
