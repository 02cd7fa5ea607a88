"""Photos that declare their own origin (IPTC digital source type in XMP or a C2PA manifest), issue 16."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from lurewatch.model import Profile
from lurewatch.photo.check import check_photo
from lurewatch.photo.credentials import source_claim
from lurewatch.pipeline import check
from lurewatch.scoring.providers import ScanContext

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
XMP = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       '<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
       'Iptc4xmpExt:DigitalSourceType="{code}"/></rdf:RDF></x:xmpmeta>')


def _face_like(seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (96, 96, 3), dtype=np.uint8))


def _png_with_xmp(path: Path, code: str) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP.format(code=IPTC + code))
    _face_like().save(path, pnginfo=info)
    return path


def _png_with_c2pa_box(path: Path, code: str) -> Path:
    """A PNG carrying a caBX chunk shaped like C2PA's JUMBF store (a label and the CBOR text of the claim)."""
    buf = io.BytesIO()
    _face_like(2).save(buf, format="PNG")
    png = buf.getvalue()
    payload = b"\x00\x00\x00\x20jumb\x00\x00\x00\x18jumdc2pa\x00" + b"\x78\x3a" + (IPTC + code).encode()
    chunk = struct.pack(">I", len(payload)) + b"caBX" + payload
    chunk += struct.pack(">I", zlib.crc32(b"caBX" + payload) & 0xFFFFFFFF)
    iend = png.rindex(b"IEND") - 4
    path.write_bytes(png[:iend] + chunk + png[iend:])
    return path


def test_a_generated_declaration_in_xmp_is_a_finding_with_the_claim(tmp_path: Path) -> None:
    res = check_photo(_png_with_xmp(tmp_path / "gen.png", "trainedAlgorithmicMedia"))
    f = next(f for f in res.findings if f.indicator == "LW-PHOTO-005")
    assert "trainedAlgorithmicMedia" in f.evidence and "XMP" in f.evidence and f.weight == 40.0
    assert res.to_json()["source_claim"] == "trainedAlgorithmicMedia (XMP)"


def test_a_c2pa_manifest_claim_is_read_without_a_parser(tmp_path: Path) -> None:
    p = _png_with_c2pa_box(tmp_path / "c2pa.png", "compositeWithTrainedAlgorithmicMedia")
    claim = source_claim(p.read_bytes())
    assert claim is not None and claim.generated and claim.container == "C2PA manifest"
    assert any(f.indicator == "LW-PHOTO-005" for f in check_photo(p).findings)


def test_a_camera_declaration_is_no_finding(tmp_path: Path) -> None:
    res = check_photo(_png_with_xmp(tmp_path / "cam.png", "digitalCapture"))
    assert all(f.indicator != "LW-PHOTO-005" for f in res.findings)
    assert json.loads(json.dumps(res.to_json()))["source_claim"] == "digitalCapture (XMP)"


def test_plain_photos_and_hostile_text_claim_nothing(tmp_path: Path) -> None:
    _face_like(3).save(tmp_path / "plain.png")
    assert source_claim((tmp_path / "plain.png").read_bytes()) is None
    assert source_claim(b"digitalsourcetype/" * 100_000) is None  # no NewsCodes URI: nothing


def test_the_photo_finding_alone_never_makes_an_approach_medium(tmp_path: Path) -> None:
    photo = _png_with_xmp(tmp_path / "gen.png", "trainedAlgorithmicMedia")
    a = check("Hi, I enjoyed your talk at the conference last week.", profile=Profile(name="A", photo=str(photo)),
              ctx=ScanContext(semantic="static"))
    assert any(f.indicator == "LW-PHOTO-005" for f in a.findings)
    assert a.level == "low"
