"""updated_at means a change of what readers see, never a read

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:40:00

Until now every counted read moved updated_at, so no stored value tells a real edit from a read.
Published articles take their publication time again: "Updated" shows from the next edit on,
rather than claiming an update that may never have happened.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE articles SET updated_at = published_at"
               " WHERE published_at IS NOT NULL AND updated_at > published_at")


def downgrade():
    # The old values were moved by reads; there is nothing worth restoring.
    pass
