"""Write a platform message table (docs/scan-spark.md): N messages as JSON Lines (and optionally Parquet).

    python bench/gen_messages.py --messages 1000000 --out bench/out/messages-1000000.jsonl [--parquet]

Many mailboxes, as a platform holds them: each conversation has its own owner (the recipient), 10% of
conversations use bench_scan's hostile templates, threads of 1-5 messages with owner replies; rows are
grouped by conversation (each conversation's rows contiguous), as the readers require. Deterministic (seed).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scan import HOSTILE, LEGIT, TOPICS  # noqa: E402


def rows(n_messages: int, seed: int = 7, owners: int = 5000) -> Iterator[dict]:
    rng = random.Random(seed)
    written = conv = 0
    while written < n_messages:
        conv += 1
        o = rng.randrange(owners)
        owner, owner_url = f"Owner {o}", f"https://www.linkedin.com/in/owner-{o}"
        sender, url = f"Sender {conv}", f"https://www.linkedin.com/in/sender-{conv}"
        pool = HOSTILE if rng.random() < 0.1 else LEGIT
        for j in range(rng.randint(1, 5)):
            if written >= n_messages:
                return
            outbound = j % 2 == 1 and rng.random() < 0.5
            text = rng.choice(pool).format(o=owner.split()[0], t=rng.choice(TOPICS), n=rng.randint(1, 9),
                                           k=rng.randint(100, 999))
            day = 1 + (conv * 7 + j) % 27
            when = f"2025-{1 + conv % 12:02d}-{day:02d}T{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}:00+00:00"
            frm, frm_url, to, to_url = (owner, owner_url, sender, url) if outbound else (sender, url, owner, owner_url)
            row = {"conversation_id": f"m{conv}", "from": frm, "sender_profile_url": frm_url, "to": to,
                   "recipient_profile_urls": to_url, "date": when, "subject": "", "content": text,
                   "folder": "INBOX", "attachments": [], "is_draft": False}
            if conv % 3:  # a third of the rows leave the owner to be inferred (the first message's recipient)
                row["owner_profile_url"] = owner_url
            yield row
            written += 1


def write(n_messages: int, out: Path, seed: int = 7, parquet: bool = False) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if not parquet:
        with open(out, "w", encoding="utf-8") as fh:
            for r in rows(n_messages, seed):
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        return out
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.string()) for c in ("conversation_id", "from", "sender_profile_url", "to",
                                                    "recipient_profile_urls", "date", "subject", "content",
                                                    "folder")]
                       + [("attachments", pa.list_(pa.string())), ("is_draft", pa.bool_()),
                          ("owner_profile_url", pa.string())])
    writer = pq.ParquetWriter(out, schema)
    batch: list[dict] = []
    for r in rows(n_messages, seed):
        r.setdefault("owner_profile_url", None)
        batch.append(r)
        if len(batch) == 50_000:
            writer.write_table(pa.Table.from_pylist(batch, schema))
            batch = []
    if batch:
        writer.write_table(pa.Table.from_pylist(batch, schema))
    writer.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--parquet", action="store_true")
    args = ap.parse_args()
    print(write(args.messages, args.out, args.seed, args.parquet))


if __name__ == "__main__":
    main()
