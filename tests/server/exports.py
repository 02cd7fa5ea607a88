"""Synthetic LinkedIn exports for the scan tests (no dependency on ../shared)."""

from __future__ import annotations

import csv
import io
import zipfile

from tests.server.conftest import BENIGN, HOSTILE

HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
          "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS", "IS MESSAGE DRAFT"]
OWNER = ("Maya Okafor", "https://www.linkedin.com/in/maya-okafor-test")


def export_zip(n: int, hostile_every: int = 2) -> tuple[bytes, int]:
    """A zip with n conversations, every `hostile_every`-th one hostile; returns (bytes, hostile count)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    hostile = 0
    for i in range(n):
        bad = i % hostile_every == 0
        hostile += bad
        name = f"Sender {i}"
        url = f"https://www.linkedin.com/in/sender-{i}-test"
        text = (HOSTILE if bad else BENIGN) + f" (ref {i})"
        w.writerow([f"2-conv-{i}", "", name, url, OWNER[0], OWNER[1], f"2024-03-{1 + i % 27:02d} 10:{i % 60:02d}:00 UTC",
                    "", text, "INBOX", "", "No"])
    prof = io.StringIO()
    pw = csv.writer(prof)
    pw.writerow(["First Name", "Last Name", "Headline", "Summary", "Industry", "Geo Location"])
    pw.writerow(["Maya", "Okafor", "Quantum engineer", "", "Computer Hardware", "Oxford"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("messages.csv", buf.getvalue())
        z.writestr("Profile.csv", prof.getvalue())
    return out.getvalue(), hostile
