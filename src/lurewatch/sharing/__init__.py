"""Sharing with authorities and peers: STIX 2.1 / TAXII 2.1 / MISP export and import.

Modules, one job each:
- `tlp`: TLP 2.0 marking definitions (official OASIS ids), ordering, parsing incoming markings.
- `observables`: pivots (e-mails, phones, messenger handles, URLs, domains) from message text.
- `selection`: which stored approaches an export covers (ids, flagged, case, campaign) and redaction.
- `stix_export`: streaming STIX 2.1 bundle writer (deterministic ids, bounded memory).
- `stix_import` / `misp`: bundles and MISP events -> watch indicators; MISP event export.
- `watch`: the `watch_indicators` table in the store database.
- `provider`: the scan-time finding provider (LW-SHARED-001) over the watch indicators.
- `taxii`: push to / pull from a TAXII 2.1 collection, with per-feed TLP limits.
"""
