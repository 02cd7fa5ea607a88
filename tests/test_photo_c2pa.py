"""C2PA manifests (content credentials) read and verified offline, issue 16 part 3.

The tests make their own PKI with `cryptography` (a root CA and an ES256 leaf with the key usage and EKU
C2PA requires), sign real JPEG and PNG files with c2pa-python's Builder, and read them back through the
photo checks: nothing here is a stub of the library.
"""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

c2pa = pytest.importorskip("c2pa")
x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID  # noqa: E402

from lurewatch.cli import app  # noqa: E402
from lurewatch.model import Profile  # noqa: E402
from lurewatch.photo import c2pa_manifest  # noqa: E402
from lurewatch.photo.check import check_photo  # noqa: E402
from lurewatch.photo.credentials import read_credentials  # noqa: E402
from lurewatch.pipeline import check  # noqa: E402
from lurewatch.scoring.providers import ScanContext  # noqa: E402

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
MIME = {"jpg": "image/jpeg", "png": "image/png"}


@dataclass
class Pki:
    ca_pem: bytes
    chain_pem: bytes  # leaf then CA
    key_pem: bytes

    def signer(self) -> object:
        return c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, self.chain_pem, self.key_pem, None))


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lurewatch Test PKI")])


def _usage(sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=not sign, crl_sign=not sign,
                         encipher_only=False, decipher_only=False)


def make_pki(ocsp_url: str | None = None, cn: str = "Test Camera Signer") -> Pki:
    """A root CA and a leaf as C2PA demands: v3, ES256 (P-256), digitalSignature, an EKU (emailProtection),
    not a CA, with key identifiers."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Test Root CA")).issuer_name(_name("Test Root CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(_usage(sign=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
    if ocsp_url:
        leaf = leaf.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]), critical=False)
    leaf_cert = leaf.sign(ca_key, hashes.SHA256())
    pem = serialization.Encoding.PEM
    return Pki(ca.public_bytes(pem), leaf_cert.public_bytes(pem) + ca.public_bytes(pem),
               key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def image_bytes(ext: str, seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)).save(buf, "JPEG" if ext == "jpg" else "PNG")
    return buf.getvalue()


def manifest(code: str, generator: str = "TestGen") -> dict:
    return {"claim_generator_info": [{"name": generator, "version": "1.0"}], "title": "profile",
            "assertions": [{"label": "c2pa.actions", "data": {"actions": [
                {"action": "c2pa.created", "digitalSourceType": IPTC + code}]}}]}


def sign(pki: Pki, ext: str, code: str, generator: str = "TestGen", seed: int = 1) -> bytes:
    out = io.BytesIO()
    c2pa.Builder(manifest(code, generator)).sign(pki.signer(), MIME[ext], io.BytesIO(image_bytes(ext, seed)), out)
    return out.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def by_id(findings: list) -> dict:
    return {f.indicator: f for f in findings}


@pytest.fixture
def trusted(pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    anchors = write(tmp_path, "anchors.pem", pki.ca_pem)
    monkeypatch.setenv(c2pa_manifest.TRUST_ENV, str(anchors))
    return anchors


@pytest.mark.parametrize(("ext", "code"), [("jpg", "trainedAlgorithmicMedia"), ("png", "compositeSynthetic")])
def test_a_signed_generated_declaration_is_a_strong_finding_quoting_the_claim(pki: Pki, tmp_path: Path, ext: str,
                                                                           code: str) -> None:
    res = check_photo(write(tmp_path, f"gen.{ext}", sign(pki, ext, code, generator="Imagine Studio")))
    f = by_id(res.findings)["LW-PHOTO-005"]
    assert f.weight == 40.0 and f.category == "persona"
    for part in (f"'{code}'", "C2PA manifest", "c2pa.actions", "claim generator 'Imagine Studio 1.0'",
                 "signed by 'Test Camera Signer' (Lurewatch Test PKI)", "signature valid, signer NOT on a trust list"):
        assert part in f.evidence, (part, f.evidence)
    assert "LW-PHOTO-006" not in by_id(res.findings) and "LW-PHOTO-007" not in by_id(res.findings)
    cred = res.to_json()["credentials"]
    assert cred["claim"] == code and cred["c2pa"]["state"] == "Valid" and cred["c2pa"]["failures"] == []
    assert cred["c2pa"]["source_types"] == [{"code": code, "in": "active"}]
    assert res.source_claim == f"{code} (C2PA manifest, Valid)"


def test_a_camera_manifest_is_a_weak_legitimacy_sign_only_when_its_signer_is_trusted(
        pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = write(tmp_path, "cam.jpg", sign(pki, "jpg", "digitalCapture", generator="Test Camera Firmware"))
    monkeypatch.delenv(c2pa_manifest.TRUST_ENV, raising=False)
    untrusted = check_photo(photo)
    assert not {"LW-PHOTO-005", "LW-PHOTO-006", "LW-PHOTO-007"} & by_id(untrusted.findings).keys()
    assert untrusted.credentials is not None and untrusted.credentials.manifest.state == "Valid"
    assert any("not counted as a legitimacy sign" in n for n in untrusted.credentials.notes)

    monkeypatch.setenv(c2pa_manifest.TRUST_ENV, str(write(tmp_path, "anchors.pem", pki.ca_pem)))
    res = check_photo(photo)
    f = by_id(res.findings)["LW-PHOTO-007"]
    assert f.weight == -5.0 and f.category == "legitimacy"
    assert "'digitalCapture'" in f.evidence and "signer on the configured trust list" in f.evidence
    assert res.to_json()["credentials"]["c2pa"]["state"] == "Trusted"


def test_an_edit_of_a_generated_image_carries_the_claim_of_its_ingredient(pki: Pki, tmp_path: Path,
                                                                          trusted: Path) -> None:
    """A generated image opened and edited in another tool: the active manifest says only 'edited', its
    ingredient's manifest says trainedAlgorithmicMedia."""
    generated = sign(pki, "jpg", "trainedAlgorithmicMedia", generator="Imagine Studio")
    b = c2pa.Builder({"claim_generator_info": [{"name": "PhotoEditor", "version": "2"}], "title": "edited.jpg",
                      "assertions": [{"label": "c2pa.actions", "data": {"actions": [
                          {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
                          {"action": "c2pa.edited"}]}}]})
    b.add_ingredient({"title": "gen.jpg", "relationship": "parentOf", "label": "parent"}, "image/jpeg",
                     io.BytesIO(generated))
    edited = io.BytesIO()
    Image.open(io.BytesIO(generated)).rotate(3).save(edited, "JPEG")
    out = io.BytesIO()
    b.sign(pki.signer(), "image/jpeg", io.BytesIO(edited.getvalue()), out)
    res = check_photo(write(tmp_path, "edited.jpg", out.getvalue()))
    f = by_id(res.findings)["LW-PHOTO-005"]
    assert "in an ingredient (a source image) of the active manifest" in f.evidence
    assert "claim generator 'PhotoEditor 2'" in f.evidence and "signer on the configured trust list" in f.evidence
    assert res.credentials.manifest.source_types == [("trainedAlgorithmicMedia", "ingredient")]


def test_another_ca_is_not_trusted(pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(c2pa_manifest.TRUST_ENV, str(write(tmp_path, "other.pem", make_pki().ca_pem)))
    res = check_photo(write(tmp_path, "cam.jpg", sign(pki, "jpg", "digitalCapture")))
    assert res.credentials.manifest.state == "Valid" and "LW-PHOTO-007" not in by_id(res.findings)


def _flip_in_image_data(data: bytes) -> bytes:
    """Change pixels after signing: flip bytes inside the JPEG scan (after the last SOS marker)."""
    i = data.rindex(b"\xff\xda") + 200
    return data[:i] + bytes(b ^ 0x5A for b in data[i:i + 4]) + data[i + 4:]


def test_a_photo_changed_after_signing_is_noted_and_its_generated_claim_still_counts(pki: Pki, tmp_path: Path,
                                                                                    trusted: Path) -> None:
    res = check_photo(write(tmp_path, "t.jpg", _flip_in_image_data(sign(pki, "jpg", "trainedAlgorithmicMedia"))))
    found = by_id(res.findings)
    assert "the file was changed after signing" in found["LW-PHOTO-006"].evidence
    assert "assertion.dataHash.mismatch" in found["LW-PHOTO-006"].evidence and found["LW-PHOTO-006"].weight == 10.0
    assert "a claim of generation counts even so" in found["LW-PHOTO-005"].evidence
    assert res.credentials.manifest.state == "Invalid"


def test_a_tampered_camera_manifest_is_no_legitimacy_sign(pki: Pki, tmp_path: Path, trusted: Path) -> None:
    res = check_photo(write(tmp_path, "t.jpg", _flip_in_image_data(sign(pki, "jpg", "digitalCapture"))))
    found = by_id(res.findings)
    assert "LW-PHOTO-006" in found and "LW-PHOTO-007" not in found and "LW-PHOTO-005" not in found


def test_a_corrupted_manifest_is_a_finding_and_its_generated_term_is_still_read(pki: Pki, tmp_path: Path) -> None:
    data = sign(pki, "jpg", "trainedAlgorithmicMedia")
    j = data.index(b"jumb") - 4  # the first JUMBF box header: its length and type
    broken = data[:j] + bytes(b ^ 0x5A for b in data[j:j + 8]) + data[j + 8:]
    res = check_photo(write(tmp_path, "c.jpg", broken))
    found = by_id(res.findings)
    assert res.credentials.manifest.state == "unreadable"
    assert "could not be parsed" in found["LW-PHOTO-006"].evidence
    assert "found by byte search, not verified" in found["LW-PHOTO-005"].evidence


def test_an_altered_claim_inside_the_manifest_fails_validation(pki: Pki, tmp_path: Path) -> None:
    """Rewrite the declared type inside the signed manifest (same length): the hashed URI no longer matches."""
    data = sign(pki, "jpg", "digitalCapture")
    forged = data.replace(b"digitalCapture", b"digitalCaptur3")
    assert forged != data
    m = check_photo(write(tmp_path, "f.jpg", forged)).credentials.manifest
    assert m.state == "Invalid" and any(c.endswith(".mismatch") for c in m.failures)


def test_hostile_text_in_the_manifest_is_cleaned_and_bounded(pki: Pki, tmp_path: Path) -> None:
    out = io.BytesIO()
    gen = "Evil\u202eGen\x1b[31m" + "x" * 500
    c2pa.Builder(manifest("trainedAlgorithmicMedia", gen)).sign(pki.signer(), "image/jpeg",
                                                                 io.BytesIO(image_bytes("jpg")), out)
    m = check_photo(write(tmp_path, "h.jpg", out.getvalue())).credentials.manifest
    assert m.claim_generator is not None and len(m.claim_generator) <= c2pa_manifest.MAX_TEXT
    assert "\u202e" not in m.claim_generator and "\x1b" not in m.claim_generator


def test_garbage_and_huge_inputs_are_refused_quickly(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    garbage = b"\xff\xd8" + rng.integers(0, 256, 19 * 1024 * 1024, dtype=np.uint8).tobytes() + b"jumbc2pa"
    t = time.perf_counter()
    assert c2pa_manifest.read_manifest(garbage, "JPEG") is None  # not a container it reads: nothing claimed
    creds = read_credentials(garbage, "JPEG")
    assert creds.claim is None and creds.findings() == []
    # JPEG APP11 segments that announce JUMBF but hold zeros
    seg = b"\xff\xeb" + (65533).to_bytes(2, "big") + b"JP\x00\x01\x00\x00\x00\x01\x00\x00\xff\xf5jumb"
    seg += b"\x00" * (65533 - 2 - 16)
    rep = c2pa_manifest.read_manifest(b"\xff\xd8" + seg * 200 + b"\xff\xd9", "JPEG")
    assert rep is None or rep.state == "unreadable"
    assert time.perf_counter() - t < 10
    res = check_photo(write(tmp_path, "big.jpg", garbage + b"\x00" * (2 * 1024 * 1024)))
    assert res.error and by_id(res.findings).keys() == {"LW-PHOTO-000"}  # over the 20 MB bound: not read


def test_a_read_that_overruns_its_time_is_abandoned(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    """The native call cannot be interrupted; the caller stops waiting for it (a slow read stands in for a
    pathological file here: the bound under test is lurewatch's, not the library's)."""
    real = c2pa_manifest._read

    def slow(*args: object) -> object:
        time.sleep(1.0)
        return real(*args)

    monkeypatch.setattr(c2pa_manifest, "_read", slow)
    t = time.perf_counter()
    rep = c2pa_manifest.read_manifest(sign(pki, "jpg", "trainedAlgorithmicMedia"), "JPEG", timeout=0.1)
    assert time.perf_counter() - t < 0.8
    assert rep is not None and rep.state == "not checked" and "abandoned" in (rep.error or "")
    assert not rep.broken  # a bound of ours is no evidence against the sender
    # abandoned reads hold their slots: at most MAX_INFLIGHT native reads run at once
    data = sign(pki, "jpg", "trainedAlgorithmicMedia")
    for _ in range(c2pa_manifest.MAX_INFLIGHT - 1):
        c2pa_manifest.read_manifest(data, "JPEG", timeout=0.1)
    busy = c2pa_manifest.read_manifest(data, "JPEG", timeout=0.1)
    assert busy is not None and busy.state == "not checked" and "already running" in (busy.error or "")
    time.sleep(1.2)  # once they end, reads run again
    assert c2pa_manifest.read_manifest(sign(pki, "jpg", "trainedAlgorithmicMedia"), "JPEG").state == "Valid"


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def do_POST(self) -> None:  # noqa: N802
            self.do_GET()

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", hits
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_remote_manifest_is_never_fetched(pki: Pki, server: tuple[str, list[str]]) -> None:
    url, hits = server
    b = c2pa.Builder(manifest("trainedAlgorithmicMedia"))
    b.set_no_embed()
    b.set_remote_url(f"{url}/manifest.c2pa")
    out = io.BytesIO()
    b.sign(pki.signer(), "image/jpeg", io.BytesIO(image_bytes("jpg")), out)
    # the library's own default would fetch it: the settings are what keeps the reader offline
    with pytest.raises(c2pa.C2paError):
        c2pa.Reader("image/jpeg", io.BytesIO(out.getvalue()))
    assert hits == ["/manifest.c2pa"]
    hits.clear()
    rep = c2pa_manifest.read_manifest(out.getvalue(), "JPEG")
    assert rep is not None and rep.state == "remote (not fetched)" and hits == []
    assert "never fetches" in rep.status_text()


def test_no_ocsp_request_for_a_signer_that_names_a_responder(server: tuple[str, list[str]]) -> None:
    url, hits = server
    pki = make_pki(ocsp_url=f"{url}/ocsp")
    rep = c2pa_manifest.read_manifest(sign(pki, "jpg", "trainedAlgorithmicMedia"), "JPEG")
    assert rep is not None and rep.state == "Valid" and hits == []


def test_without_c2pa_python_the_manifest_is_searched_and_the_user_told(pki: Pki, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    photo = write(tmp_path, "gen.jpg", sign(pki, "jpg", "trainedAlgorithmicMedia"))
    monkeypatch.setattr(c2pa_manifest, "_lib", lambda: None)
    res = check_photo(photo)
    f = by_id(res.findings)["LW-PHOTO-005"]
    assert "not verified: c2pa-python is not installed" in f.evidence
    assert res.credentials.manifest is None and any("not verified" in n for n in res.credentials.notes)
    r = CliRunner().invoke(app, ["photo", str(photo)])
    assert r.exit_code == 0 and "c2pa-python is not installed" in " ".join(r.output.split())


def test_photo_explain_shows_the_manifest_and_the_evidence(pki: Pki, tmp_path: Path, trusted: Path) -> None:
    gen = write(tmp_path, "gen.png", sign(pki, "png", "trainedAlgorithmicMedia", generator="Imagine Studio"))
    cam = write(tmp_path, "cam.jpg", sign(pki, "jpg", "digitalCapture", seed=3))
    plain = write(tmp_path, "plain.jpg", image_bytes("jpg", seed=4))
    r = CliRunner().invoke(app, ["photo", "--explain", str(gen), str(cam), str(plain)])
    assert r.exit_code == 0, r.output
    out = r.output
    assert "declared source type: trainedAlgorithmicMedia (in the C2PA manifest)" in out
    assert "C2PA manifest: Trusted; signed by 'Test Camera Signer'" in out
    assert "claim generator: Imagine Studio 1.0" in out
    assert "LW-PHOTO-005 (+40, persona) Profile photo declares itself AI-generated" in out
    assert "LW-PHOTO-007 (-5, legitimacy) Profile photo carries trusted camera content credentials" in out
    assert "none declared" in out and "c2pa-python is not installed" not in out
    line = next(ln for ln in out.splitlines() if "evidence: the photo's C2PA manifest declares" in ln)
    assert "'trainedAlgorithmicMedia'" in line
    rows = [json.loads(x) for x in CliRunner().invoke(app, ["photo", "--format", "jsonl", str(gen)]).output.splitlines()]
    assert rows[0]["credentials"]["c2pa"]["signer"] == "Test Camera Signer"


def test_a_declared_generated_photo_alone_never_makes_an_approach_medium_or_high(pki: Pki, tmp_path: Path) -> None:
    """The scoring rule (lurewatch.scoring.combine, learned.combiner): persona findings alone stay below medium."""
    photo = write(tmp_path, "gen.jpg", _flip_in_image_data(sign(pki, "jpg", "trainedAlgorithmicMedia")))
    for text in ("Hi, I enjoyed your talk at the conference last week.",
                 "Hello! I see you work on quantum sensing at a defence lab; great work, truly impressive."):
        for semantic in ("static", "off"):
            a = check(text, profile=Profile(name="A", photo=str(photo)), ctx=ScanContext(semantic=semantic))
            assert {"LW-PHOTO-005", "LW-PHOTO-006"} <= {f.indicator for f in a.findings}
            assert a.level == "low", (text, semantic, a.score)


def test_a_trusted_camera_photo_lowers_a_score_a_little_and_never_excuses_an_unmitigable_ask(
        pki: Pki, tmp_path: Path, trusted: Path) -> None:
    cam = write(tmp_path, "cam.jpg", sign(pki, "jpg", "digitalCapture"))
    plain = write(tmp_path, "plain.jpg", image_bytes("jpg", seed=5))
    offer = ("We are a consultancy and would pay you $500 an hour for a short call about your work on "
             "grid control systems. Let's continue on WhatsApp.")
    secret = offer + " Please keep this between us and send me your internal design documents."
    for text in (offer, secret):
        with_cam = check(text, profile=Profile(name="A", photo=str(cam)), ctx=ScanContext(semantic="off"))
        without = check(text, profile=Profile(name="A", photo=str(plain)), ctx=ScanContext(semantic="off"))
        assert "LW-PHOTO-007" in {f.indicator for f in with_cam.findings}
        if text == secret:  # secrecy and a request for documents: legitimacy signs are ignored
            assert with_cam.score == without.score
        else:  # -5: a few points, within the 40% cap on all legitimacy signs together
            assert without.score - 5 <= with_cam.score < without.score
