"""What a photo says about its own origin: the IPTC digital source type, in XMP or in a C2PA manifest.

Generators and editors that follow the IPTC / C2PA conventions (Adobe Firefly, OpenAI's image tools,
Google's, Microsoft's, Midjourney's exports, many cameras and phones) write the NewsCodes URI of the
"digital source type": `trainedAlgorithmicMedia` (made by a generative model), `compositeWithTrained
AlgorithmicMedia`, `algorithmicMedia`, `compositeSynthetic`, or `digitalCapture` (a camera). In XMP the URI
is text; in a C2PA manifest (a JUMBF box) it is a CBOR text string. Both are found by a bounded byte search
for the NewsCodes URI, not by an XML or CBOR parser (hostile files: no parser on attacker-controlled
metadata, no entity expansion, nothing fetched). The claim is not verified: a C2PA signature check needs
c2pa-python and its trust lists (not done yet). A declared generated image is strong evidence; the
absence of a declaration means nothing (metadata is easily stripped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SCAN_BYTES = 16 * 1024 * 1024  # metadata sits near the start or the end; the file is bounded already
_CODE = re.compile(rb"cv\.iptc\.org/newscodes/digitalsourcetype/([A-Za-z]{3,60})")
GENERATED = {"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia",
             "compositeSynthetic", "algorithmicallyEnhanced"}
CAPTURED = {"digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print"}


@dataclass(slots=True, frozen=True)
class SourceClaim:
    code: str  # the NewsCodes term, e.g. trainedAlgorithmicMedia
    container: str  # "C2PA manifest" or "XMP"

    @property
    def generated(self) -> bool:
        return self.code in GENERATED

    @property
    def captured(self) -> bool:
        return self.code in CAPTURED


def source_claim(data: bytes) -> SourceClaim | None:
    """The first digital-source-type claim in the file (a generated one wins over a capture one)."""
    head = data[:MAX_SCAN_BYTES]
    has_c2pa = b"jumb" in head and b"c2pa" in head
    codes = [m.group(1).decode("ascii") for m in _CODE.finditer(head)]
    if not codes:
        return None
    code = next((c for c in codes if c in GENERATED), codes[0])
    return SourceClaim(code, "C2PA manifest" if has_c2pa else "XMP")
