"""Read counts past two billion on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 13:40:00

An imported article may carry more reads than a 32-bit INTEGER holds. SQLite's INTEGER is 64-bit
already, and rebuilding its articles table (batch mode) would cascade-delete every comment with
foreign keys on, so only other databases change.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("articles", "reads", existing_type=sa.Integer(), type_=sa.BigInteger(),
                        existing_nullable=False, existing_server_default=sa.text("0"))


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("articles", "reads", existing_type=sa.BigInteger(), type_=sa.Integer(),
                        existing_nullable=False, existing_server_default=sa.text("0"))
