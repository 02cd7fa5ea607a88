"""One PDQ text form everywhere (ThreatExchange's), and migration 0006 re-encoding stored photo hashes.

Issue 14: the photo checks wrote a hash's bits in another order than Meta's reference, which linking and
the STIX/MISP exports used, so a peer's standard hash never matched a stored photo.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pdqhash
import pytest
from alembic import command
from sqlalchemy import MetaData, create_engine, insert, select
from tests.server.conftest import migrate_to

from lurewatch.db.local_tables import photo_hashes
from lurewatch.linking.photos import hash_photo
from lurewatch.photo import pdq
from lurewatch.photo.pdqtext import distance, from_legacy, to_bits, to_hex, to_legacy
from lurewatch.server import migrate


def _reference_format(vector: np.ndarray) -> str:
    """Meta's Hash256Format over the words pdqhash fills: bit k of the hash is bit k % 16 of word k // 16,
    and pdqhash.compute returns bit 255 first; the text prints word 15 first, 4 hex digits per word."""
    bit = vector[::-1]
    words = [sum(int(bit[16 * i + j]) << j for j in range(16)) for i in range(16)]
    return "".join(f"{words[i]:04x}" for i in range(15, -1, -1))


def _image(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)
    return np.ascontiguousarray(np.kron(small, np.ones((24, 24, 1), dtype=np.uint8)))


def test_the_formatter_is_the_reference_form() -> None:
    for seed in range(20):
        vector = np.random.default_rng(seed).integers(0, 2, 256)
        assert to_hex(vector.tolist()) == _reference_format(vector)
        assert to_bits(to_hex(vector.tolist())) == vector.tolist()
    top = np.zeros(256, dtype=int)
    top[0] = 1  # bit 255: the first hex digit's high bit
    assert to_hex(top.tolist()) == "8" + "0" * 63


def test_photo_checks_and_linking_write_the_same_hash(tmp_path) -> None:
    from PIL import Image

    rgb = _image(3)
    Image.fromarray(rgb).save(tmp_path / "p.png")
    vector, _q = pdqhash.compute(rgb)
    standard = _reference_format(np.asarray(vector))
    assert pdq.compute(rgb).hex == standard  # lurewatch photo / the photo store
    assert hash_photo(tmp_path / "p.png").pdq == standard  # linking, STIX/MISP, shared indicators


def test_legacy_conversion_is_a_permutation_that_keeps_distances() -> None:
    rng = np.random.default_rng(9)
    a, b = (to_hex(rng.integers(0, 2, 256).tolist()) for _ in range(2))
    assert from_legacy(to_legacy(a)) == a and to_legacy(from_legacy(a)) == a
    assert distance(to_legacy(a), to_legacy(b)) == distance(a, b)
    assert to_legacy(a) != a


@pytest.mark.parametrize("table_exists", [True, False])
def test_0006_re_encodes_stored_hashes(fresh_url: str, table_exists: bool) -> None:
    migrate_to(fresh_url, "0005")
    engine = create_engine(fresh_url)
    hashes = [pdq.compute(_image(s)) for s in (1, 2)]
    if table_exists:  # as the photo store made it before this revision, with hashes in the old form
        old = MetaData()  # made on first use by the photo store, before migration 0007 adopted it
        photo_hashes.to_metadata(old).create(engine)
        with engine.begin() as conn:
            for i, h in enumerate(hashes):
                extra = " ".join(to_legacy(v) for v in h.variants) + "|" + " ".join(to_legacy(c) for c in h.crops)
                conn.execute(insert(photo_hashes).values(
                    sender_profile_url=f"https://linkedin.com/in/p{i}", sha256=f"{i:064x}", pdq=to_legacy(h.hex),
                    quality=h.quality, pdq_extra=extra, first_seen=datetime.now(UTC)))
            conn.execute(insert(photo_hashes).values(  # a low-quality photo: no hash, kept as it is
                sender_profile_url="https://linkedin.com/in/flat", sha256="f" * 64, pdq=None, quality=3,
                pdq_extra=None, first_seen=datetime.now(UTC)))
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    if not table_exists:
        engine.dispose()
        return
    with engine.connect() as conn:
        rows = conn.execute(select(photo_hashes).order_by(photo_hashes.c.id)).mappings().all()
    for row, h in zip(rows, hashes, strict=False):
        assert row["pdq"] == h.hex
        variants, _, crops = row["pdq_extra"].partition("|")
        assert variants.split() == h.variants and crops.split() == h.crops
    assert rows[2]["pdq"] is None and rows[2]["pdq_extra"] is None
    # down again: the old form comes back
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    with engine.connect() as conn:
        first = conn.execute(select(photo_hashes.c.pdq).order_by(photo_hashes.c.id)).scalars().first()
    assert first == to_legacy(hashes[0].hex)
    engine.dispose()
