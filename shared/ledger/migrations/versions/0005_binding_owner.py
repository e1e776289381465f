"""bindings know whose record they are: a partner Odoo had before voicesync matched it (or one
pushed from Odoo) is Odoo's, and only its empty fields are filled

Revision ID: 0005
Revises: 0004

Bindings made before this revision are taken as voicesync's own (``platform``): the ledger did
not record which partners were matched.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bindings") as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(16), nullable=False, server_default="platform"))


def downgrade() -> None:
    with op.batch_alter_table("bindings") as batch_op:
        batch_op.drop_column("owner")
