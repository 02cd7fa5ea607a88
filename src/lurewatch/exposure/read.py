"""Read only what the exposure checks need from a LinkedIn export zip: Profile.csv, Positions.csv and
the dates of Connections.csv, through the zip safety of ingest.safety. messages.csv is never read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

from lurewatch.ingest.linkedin import ZipExport, parse_connections, parse_positions, parse_profile_csv
from lurewatch.ingest.safety import SafeZip, UnsafeInput, decode_text
from lurewatch.model import IngestResult, Profile

PROFILE_FILES = ("profile.csv", "positions.csv", "connections.csv")


@dataclass(slots=True)
class OwnExport:
    owner: Profile | None
    connected_on: list[date | None] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_zip(source: Path | bytes, label: str = "export.zip") -> OwnExport:
    """The owner's profile and connection dates of the first export in the zip (the folder holding a
    Profile.csv); an unsafe or unreadable zip gives a problem, not an exception."""
    try:
        zf = SafeZip(source)
    except UnsafeInput as e:
        return OwnExport(None, problems=[f"zip refused: {e}"])
    try:
        homes = sorted({str(PurePosixPath(n).parent) for n in zf.names() if PurePosixPath(n).name.lower()
                        == "profile.csv"}, key=lambda p: (p != ".", p))
        if not homes:
            return OwnExport(None, problems=["the zip holds no Profile.csv"])
        files = ZipExport(zf, label, "" if homes[0] == "." else homes[0] + "/")
        result = IngestResult()
        texts: dict[str, tuple[str, str]] = {}
        for name in PROFILE_FILES:
            key = files.find(name)
            if key is None:
                continue
            try:
                texts[name] = (decode_text(files.read(key)).text, files.where(key))
            except UnsafeInput as e:
                return OwnExport(None, problems=[f"{name}: refused: {e}"])
        owner = parse_profile_csv(*texts["profile.csv"], result) if "profile.csv" in texts else None
        if owner is not None and "positions.csv" in texts:
            owner.positions = parse_positions(*texts["positions.csv"], result)
        dates = ([c.connected_on for c in parse_connections(*texts["connections.csv"], result)]
                 if "connections.csv" in texts else [])
        return OwnExport(owner, dates, [f"{p.file}: {p.reason}" for p in result.problems][:20])
    finally:
        zf.close()
