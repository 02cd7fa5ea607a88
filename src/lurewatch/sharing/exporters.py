"""One interface for every export format, chosen in one place (the CLI and the server's approvals use it).

    exporter = exporters.get("stix")          # or "misp"; exporters.NAMES lists them
    stats = exporter.export(approaches, out, options)

`approaches` is an iterable of approach contracts (streamed: STIX writes as it reads; MISP builds its event
in memory, as pymisp does); `out` a text stream; `options` an `ExportOptions` (TLP, PAP, redaction,
targets, campaign, notes). Every exporter returns `ExportStats` and names its `media_type`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any, Protocol

from lurewatch.sharing.stix_export import ExportOptions, ExportStats


class Exporter(Protocol):
    name: str
    media_type: str
    label: str

    def export(self, approaches: Iterable[dict[str, Any]], out: IO[str], options: ExportOptions) -> ExportStats: ...


class StixExporter:
    name = "stix"
    media_type = "application/stix+json;version=2.1"
    label = "STIX 2.1 bundle"

    def export(self, approaches: Iterable[dict[str, Any]], out: IO[str], options: ExportOptions) -> ExportStats:
        from lurewatch.sharing.stix_export import export_stix

        return export_stix(approaches, out, options)


class MispExporter:
    name = "misp"
    media_type = "application/json"
    label = "MISP event"

    def export(self, approaches: Iterable[dict[str, Any]], out: IO[str], options: ExportOptions) -> ExportStats:
        """Raises ValueError for an unknown PAP level."""
        from lurewatch.sharing.misp import export_misp, to_json

        event, n = export_misp(approaches, options, pap=options.pap)
        out.write(to_json(event))
        stats = ExportStats(approaches=n)
        stats.objects.update({"object": len(event.objects), "attribute": len(event.attributes)})
        return stats


EXPORTERS: dict[str, Exporter] = {e.name: e for e in (StixExporter(), MispExporter())}
NAMES: tuple[str, ...] = tuple(EXPORTERS)


def get(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        raise ValueError(f"unknown export format {name!r} (one of: {', '.join(NAMES)})") from None
