"""bindings: index by (odoo_id, entity) instead of (entity, odoo_id)

Revision ID: 0003
Revises: 0002

With ``entity`` first, PostgreSQL without statistics (a fresh ledger, autovacuum off) chose that
index for lookups by platform id and read every binding of the entity on every page.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bindings") as batch_op:
        batch_op.drop_index("ix_bindings_entity_odoo_id")
        batch_op.create_index("ix_bindings_odoo_id_entity", ["odoo_id", "entity"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bindings") as batch_op:
        batch_op.drop_index("ix_bindings_odoo_id_entity")
        batch_op.create_index("ix_bindings_entity_odoo_id", ["entity", "odoo_id"], unique=False)
