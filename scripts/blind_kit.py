"""Write the four files a blind-set writer may read, and nothing else, into a folder.

    python scripts/blind_kit.py /work/blind

- `red-flags.md`: the public red-flag guidance (a copy of ../shared/guidance/red-flags.md);
- `README-public.md`: lurewatch's README, as published;
- `SCHEMA.md`: the file schema of a set (that of tests/data/blind15/README.md, "Schema", with an id prefix
  given in each brief, `owner.email` required) and the data rules;
- `used-pretexts.txt`: the `why` of every labelled case in tests/data, one per line, so a writer can check
  that a pretext is new without reading any set.

A writer's brief names these four files as the only ones to read (and the first command:
`cat red-flags.md README-public.md SCHEMA.md`); the set's README records the brief and the writer's slips.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lurewatch.yamlfast import safe_load  # noqa: E402  (libyaml when present, as load_yaml_set reads the sets)

SCHEMA = """# File schema for a set of approaches

`approaches.yaml` is a YAML list (loads with `yaml.safe_load`). Each case is a mapping:

- `id`: `PP-hNN` (hostile) or `PP-lNN` (legit), where `PP` is the prefix your brief gives you; `label`: `hostile` | `legit`;
- `why`: one sentence naming the behaviour from the guidance behind the label (for a legitimate case: what
  makes it legitimate, and which hostile-looking surface it carries);
- `channel`: `linkedin` | `invitation` (a single note of 300 characters or fewer) | `email`;
- `owner`: the recipient, `{headline, industry, email}`; `email` (the recipient's work address) is required on every case;
- `messages`: a list; a plain string is a message from the sender, a mapping `{owner: "..."}` is the
  recipient's reply;
- `first_contact`: `YYYY-MM-DD` (2024-2026);
- `profile` (the sender, JSON Resume shape: `basics {name, label, summary, url}`,
  `work [{name, position, startDate "YYYY-MM", endDate or null}]`, `meta {connections, followers,
  accountCreated}`), given for every LinkedIn and invitation case; `sender_email` and `subject`, given for
  every e-mail case.

Check: `python3 -c "import yaml;d=yaml.safe_load(open('approaches.yaml'));print(len(d))"` prints the number of cases.

## Data rules

- Everything is fictional. Organisations are made up; every domain ends in `.example`, except LinkedIn
  profile URLs and real platform names. Phone numbers come from the `+44 7700 900xxx` drama range; IP
  addresses from the documentation ranges (192.0.2.x, 198.51.100.x, 203.0.113.x).
- Behaviour, never identity: a name, an ethnicity or a nationality must never be a clue. Vary the
  senders' and recipients' names across many backgrounds on both sides of the label, in similar
  proportions. Destinations of trips appear on both sides too.
- No pretext reused: `used-pretexts.txt` holds one line per earlier case (its `why`). Do not repeat a
  pretext, a recipient's job or a scenario found there; grep it before you write each case.
- Realistic: real people write these messages. Legitimate cases are the ordinary mail of the recipient's
  job, neither made suspicious nor artificially clean; hostile cases carry at least one behaviour from the
  guidance that an analyst would recognise, named in `why`.
"""


def used_pretexts(data: Path) -> list[str]:
    """The `why` of every labelled case under `data` (tests/data), in a stable order."""
    out = []
    for path in sorted(data.glob("*/approaches.yaml")) + sorted(data.glob("*.yaml")):
        doc = safe_load(path.read_text("utf-8"))
        if isinstance(doc, dict):
            doc = doc.get("approaches") or doc.get("cases") or []
        for case in doc or []:
            if isinstance(case, dict) and isinstance(case.get("why"), str) and case["why"].strip():
                out.append(" ".join(case["why"].split()))
    return out


def write_kit(out: Path, guidance: Path, root: Path = ROOT) -> dict[str, int]:
    """Write the four files into `out`; returns each file's size in bytes."""
    if not guidance.is_file():
        raise FileNotFoundError(f"{guidance}: the public red-flag guidance is needed (../shared/guidance)")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(guidance, out / "red-flags.md")
    shutil.copyfile(root / "README.md", out / "README-public.md")
    (out / "SCHEMA.md").write_text(SCHEMA, "utf-8")
    (out / "used-pretexts.txt").write_text("\n".join(used_pretexts(root / "tests" / "data")) + "\n", "utf-8")
    return {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="the folder the writers will read (created if missing)")
    ap.add_argument("--guidance", type=Path, default=ROOT.parent / "shared" / "guidance" / "red-flags.md")
    args = ap.parse_args()
    try:
        sizes = write_kit(args.out, args.guidance)
    except FileNotFoundError as exc:
        sys.exit(str(exc))
    for name, size in sizes.items():
        print(f"{size:>9,}  {args.out / name}")


if __name__ == "__main__":
    main()
