"""answer search: the outbox learns the effect kind that indexes an answer

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:30:00

Answers already saved are written to the index by the next `search reindex` (a newer
index schema version makes the portal rebuild it on its own).
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('extract', 'index', 'comment_notice', 'review_notice')"
NEW_KINDS = "kind IN ('extract', 'index', 'index_answer', 'comment_notice', 'review_notice')"


def _replace_check(condition: str) -> None:
    # SQLite cannot alter a CHECK in place, so the table is rebuilt; that is safe for
    # outbox_effect alone: no row of another table points at it (0007 tells what a rebuild
    # of a table with children did).
    with op.batch_alter_table('outbox_effect', recreate='auto') as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_effect_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_effect_kind_known'), sa.text(condition))


def upgrade():
    _replace_check(NEW_KINDS)


def downgrade():
    # The older release knows no such job; the index it has is rebuilt without answers.
    op.execute("DELETE FROM outbox_effect WHERE kind = 'index_answer'")
    _replace_check(OLD_KINDS)
