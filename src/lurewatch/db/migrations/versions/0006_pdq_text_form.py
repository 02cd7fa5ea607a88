"""PDQ hashes stored by the photo checks re-encoded in ThreatExchange's text form

Revision ID: 0006
Revises: 0005

Until this revision the photo checks wrote a PDQ hash's bits in another order than Meta's reference
(`Hash256Format`), which linking, STIX/MISP and shared indicators already used: a peer's standard hash
never matched a stored photo. `photo_hashes.pdq` and every hash in `photo_hashes.pdq_extra` (variants and
crops) are rewritten, row by row, when the table exists (it is created on first use by the photo store).
Distances between two hashes in the same form do not change, so no match is gained or lost between stored
photos.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lurewatch.photo.pdqtext import from_legacy, is_valid, to_legacy

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _rewrite(convert) -> None:  # noqa: ANN001 - from_legacy or to_legacy
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("photo_hashes"):
        return
    t = sa.table("photo_hashes", sa.column("id", sa.Integer), sa.column("pdq", sa.String),
                 sa.column("pdq_extra", sa.Text))

    def one(h: str) -> str:
        return convert(h) if is_valid(h) else h

    rows = bind.execute(sa.select(t.c.id, t.c.pdq, t.c.pdq_extra)).all()
    for rid, pdq, extra in rows:
        new_extra = None
        if extra:
            variants, sep, crops = extra.partition("|")
            new_extra = " ".join(one(h) for h in variants.split()) + sep + " ".join(one(h) for h in crops.split())
        bind.execute(sa.update(t).where(t.c.id == rid).values(pdq=one(pdq) if pdq else pdq, pdq_extra=new_extra
                                                                if extra else extra))


def upgrade() -> None:
    _rewrite(from_legacy)


def downgrade() -> None:
    _rewrite(to_legacy)
