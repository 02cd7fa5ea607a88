"""Ingest speed on a synthetic LinkedIn export: python bench/bench_ingest_linkedin.py [n_messages]

Writes a fictional messages.csv (+ Invitations.csv, Connections.csv) with n messages in threads of
1-6 messages, then times load_inputs on the folder and on the zip (best of 3, wall and CPU time). Prints messages/s.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lurewatch.ingest import load_inputs

HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
          "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS", "IS MESSAGE DRAFT"]
OWNER = ("Ada Owner", "https://www.linkedin.com/in/ada-owner")
WORDS = ["quantum", "research", "report", "paid", "client", "opportunity", "team", "role", "salary",
         "meeting", "conference", "travel", "whatsapp", "please", "discuss", "interested", "thanks", "hello",
         "hiring", "cryogenic", "fabrication"]


def write_export(folder: Path, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "messages.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        i = conv = 0
        while i < n:
            conv += 1
            other = (f"Sender {conv}", f"https://www.linkedin.com/in/sender-{conv}")
            for k in range(min(rnd.randint(1, 6), n - i)):
                frm, to = (other, OWNER) if k % 2 == 0 else (OWNER, other)
                text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(20, 80)))
                w.writerow([f"2-conv{conv}", "", frm[0], frm[1], to[0], to[1],
                            f"2024-{1 + conv % 12:02d}-{1 + k:02d} 10:{k:02d}:00 UTC", "", text, "INBOX", "",
                            "No"])
                i += 1
    (folder / "Invitations.csv").write_text(
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        + "".join(f'Sender {c},Ada Owner,"1/3/24, 9:15 AM",Hi,INCOMING,'
                  f"https://www.linkedin.com/in/sender-{c},{OWNER[1]}\n" for c in range(1, 2000)))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        write_export(folder, n)
        size = (folder / "messages.csv").stat().st_size
        zpath = Path(tmp) / "Basic_LinkedInDataExport_01-15-2026.zip"
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in folder.iterdir():
                zf.write(f, f"Basic_LinkedInDataExport_01-15-2026/{f.name}")
        for label, path in (("folder", folder), ("zip", zpath)):
            walls, cpus = [], []
            for _ in range(3):  # best of 3: the machine is shared
                t0, c0 = time.perf_counter(), time.process_time()
                res = load_inputs([path])
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            wall, cpu = min(walls), min(cpus)
            print(f"{label}: {n} messages ({size / 1e6:.1f} MB) -> {len(res.approaches)} approaches, "
                  f"{len(res.problems)} problems; wall {wall:.2f} s ({n / wall:,.0f} messages/s), "
                  f"CPU {cpu:.2f} s ({n / cpu:,.0f} messages/s)")


if __name__ == "__main__":
    main()
