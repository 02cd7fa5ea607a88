"""Benchmark `scan`: generate a LinkedIn export of N messages, then time parsing alone and the full scan.

    python bench/bench_scan.py [--messages 100000] [--out bench/out/scan] [--realistic] [--jobs N]

`--realistic` writes the conversations of blind sets 1-21 (tests/data/blind*/approaches.yaml: multi-sentence
messages written by people who never saw the detector, and the recipients' replies) instead of the
generated one-liners, replicated with varied conversation ids, sender names and dates up to N messages.

Times are CPU seconds of this process (time.process_time), so that other load on the machine does not
distort them. Prints messages/s for the scan (ingest + indicators + scoring, no providers that need a database) and its
ratio to merely parsing messages.csv with the csv module. One process, so one core.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import time
from pathlib import Path

HOSTILE = [
    "Hi {o}, I came across your impressive work on {t}. One of our clients, a policy research institute, is "
    "looking for experts to provide short analytical reports. The work is flexible and well paid (USD {n},000 "
    "per report). Would you be interested?",
    "It is easier to discuss details on WhatsApp, could you share your number? Mine is +44 7700 900{k}.",
    "My client liked your ideas. Next they are interested in the fabrication yields and the suppliers you use, "
    "and would like to invite you to a seminar abroad, all expenses covered. Please keep this between us.",
    "Dear {o}, our Centre organises closed-door exchanges with senior government advisors. Honorarium of EUR "
    "{n},000 and business class travel will be provided. Could you send me your personal email?",
]
LEGIT = [
    "Hi {o}, I'm working with a Series B company hiring a Staff Engineer in {t} (salary GBP {n}0-{n}5k). Would "
    "you be open to a quick call with the hiring manager?",
    "Thanks {o}, not looking right now, but keep me in mind.",
    "{o}! Long time. Are you going to the conference next year? A few of us are planning a dinner.",
    "Hi {o}, we've just launched a new range of lab freezers, 15% off this quarter. Could I book a demo?",
    "Hello {o}, I really enjoyed your talk on {t}. Would you have 15 minutes to tell me about your field?",
    "Sounds good, speak then.",
]
TOPICS = ["quantum error correction", "cryogenic electronics", "synthetic biology", "battery chemistry",
          "computer vision", "RF design", "materials science", "robotics"]
HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
          "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS", "IS MESSAGE DRAFT"]


def generate(folder: Path, n_messages: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    owner = "https://www.linkedin.com/in/owner-bench"
    with open(folder / "messages.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        written = conv = 0
        while written < n_messages:
            conv += 1
            hostile = rng.random() < 0.1
            pool = HOSTILE if hostile else LEGIT
            sender = f"Sender {conv}"
            url = f"https://www.linkedin.com/in/sender-{conv}"
            for j in range(rng.randint(1, 5)):
                if written >= n_messages:
                    break
                outbound = j % 2 == 1 and rng.random() < 0.5
                text = rng.choice(pool).format(o="Alex", t=rng.choice(TOPICS), n=rng.randint(1, 9),
                                               k=rng.randint(100, 999))
                day = 1 + (conv * 7 + j) % 27
                when = f"2025-{1 + conv % 12:02d}-{day:02d} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}:00 UTC"
                if outbound:
                    w.writerow([f"c{conv}", "", "Owner Bench", owner, sender, url, when, "", text, "INBOX", "", "No"])
                else:
                    w.writerow([f"c{conv}", "", sender, url, "Owner Bench", owner, when, "", text, "INBOX", "", "No"])
                written += 1
    (folder / "Profile.csv").write_text("First Name,Last Name,Headline,Summary,Industry\n"
                                        "Owner,Bench,Quantum engineer,,Computer Hardware\n", encoding="utf-8")


# The sets the realistic export is built from, fixed so that a new blind set does not change the workload
# (figures since the night of 5 Dec 2026; before, every blind* folder was read, and each new set made the
# export more varied: 1,445 distinct texts on 4 December, 3,280 with these 21 sets).
REALISTIC_SETS = frozenset({"blind", *(f"blind{i}" for i in range(2, 22))})


def generate_realistic(folder: Path, n_messages: int, seed: int = 7) -> None:
    """Blind sets 1-21's conversations as a LinkedIn export, replicated to `n_messages` rows."""
    import yaml

    rng = random.Random(seed)
    cases = []
    for f in sorted(DATA.glob("blind*/approaches.yaml")):
        if f.parent.name not in REALISTIC_SETS:
            continue
        doc = yaml.safe_load(f.read_text("utf-8"))
        cases += doc["cases"] if isinstance(doc, dict) else doc
    folder.mkdir(parents=True, exist_ok=True)
    owner = "https://www.linkedin.com/in/owner-bench"
    with open(folder / "messages.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        written = conv = 0
        while written < n_messages:
            for case in cases:
                conv += 1
                first, last = rng.choice(FIRST), rng.choice(LAST)
                sender = f"{first} {last}"
                url = f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}-{conv}"
                subject = case.get("subject", "") if case.get("channel") == "email" else ""
                for j, m in enumerate(case["messages"]):
                    if written >= n_messages:
                        break
                    when = f"2025-{1 + conv % 12:02d}-{1 + (conv + j) % 27:02d} {8 + j % 10:02d}:{rng.randint(0, 59):02d}:00 UTC"
                    if isinstance(m, dict):
                        w.writerow([f"r{conv}", "", "Owner Bench", owner, sender, url, when, "", str(m["owner"]),
                                    "INBOX", "", "No"])
                    else:
                        w.writerow([f"r{conv}", "", sender, url, "Owner Bench", owner, when, subject if j == 0 else "",
                                    str(m), "INBOX", "", "No"])
                    written += 1
                if written >= n_messages:
                    break
    (folder / "Profile.csv").write_text("First Name,Last Name,Headline,Summary,Industry\n"
                                        "Owner,Bench,Quantum engineer,,Computer Hardware\n", encoding="utf-8")


DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
FIRST = ["Eleanor", "Marcus", "Wei", "Priya", "Olusegun", "Anna", "Dmitri", "Sofia", "Kenji", "Fatima", "Liam",
         "Chen", "Isabel", "Tomasz", "Aisha", "Mateo", "Hannah", "Yusuf", "Clara", "Ravi"]
LAST = ["Whitcombe", "Hale", "Zhang", "Raman", "Adeyemi", "Novak", "Petrov", "Rossi", "Tanaka", "Haddad", "Byrne",
        "Liu", "Moreno", "Kowalski", "Bello", "Garcia", "Schmidt", "Demir", "Fischer", "Iyer"]


def time_parse(folder: Path) -> tuple[float, int]:
    t = time.process_time()
    with open(folder / "messages.csv", newline="", encoding="utf-8") as fh:
        n = sum(1 for _ in csv.DictReader(fh))
    return time.process_time() - t, n


def time_scan(folder: Path, semantic: str = "auto") -> tuple[float, float, int]:
    from lurewatch.ingest import load_inputs
    from lurewatch.pipeline import Analyser
    from lurewatch.scoring.providers import ScanContext

    analyser = Analyser(ScanContext(use_photos=False, use_text_model=True, semantic=semantic))
    t = time.process_time()
    result = load_inputs([folder])
    t_ingest = time.process_time() - t
    analyser.analyse(result.approaches)
    return time.process_time() - t, t_ingest, len(result.approaches)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=Path("bench/out/scan"))
    ap.add_argument("--realistic", action="store_true", help="the blind sets' conversations, not one-liners")
    ap.add_argument("--generate-only", action="store_true", help="write the export and stop")
    ap.add_argument("--semantic", default="auto", help="the scan's --semantic mode (auto, static, full, confirm, off)")
    args = ap.parse_args()
    folder = args.out / f"{'realistic' if args.realistic else 'export'}-{args.messages}"
    if not (folder / "messages.csv").exists():
        (generate_realistic if args.realistic else generate)(folder, args.messages)
    if args.generate_only:
        print(folder)
        return
    t_parse, n = time_parse(folder)
    t_scan, t_ingest, n_app = time_scan(folder, args.semantic)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"messages: {n}  approaches: {n_app}")
    print(f"parse only (csv.DictReader): {t_parse:.2f} s  ({n / t_parse:,.0f} messages/s)")
    print(f"scan (ingest {t_ingest:.2f} s + indicators + scoring): {t_scan:.2f} s  ({n / t_scan:,.0f} messages/s)")
    print(f"scan / parse ratio: {t_scan / t_parse:.2f}x   peak RSS: {rss:,.0f} MB   python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
