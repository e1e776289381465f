"""partner matching and resumable walks: runs count matched and ambiguous contacts (ambiguous
ones are listed) and keep where a walk stands

Revision ID: 0004
Revises: 0003

A contact whose phone (or email) two existing partners share is bound to neither; it is kept in
``ambiguous_matches`` until a later sync finds a single partner, so ``voicesync status`` can say
which people need a look in Odoo. ``sync_runs.cursor`` is where a page-by-page walk stands, so a
retry of its task goes on from there instead of starting again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.add_column(sa.Column("matched", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("ambiguous", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("cursor", sa.Text(), nullable=True))
    op.create_table(
        "ambiguous_matches",
        sa.Column("entity", sa.String(32), primary_key=True),
        sa.Column("platform_id", sa.String(128), primary_key=True),
        sa.Column("partner_ids", sa.String(255), nullable=False),
        sa.Column("by", sa.String(16), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ambiguous_matches")
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.drop_column("cursor")
        batch_op.drop_column("ambiguous")
        batch_op.drop_column("matched")
