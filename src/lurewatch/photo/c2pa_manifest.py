"""Read and verify a photo's C2PA manifest (content credentials) with c2pa-python, offline.

The manifest store is read from the image bytes by the C2PA reference library (c2pa-rs through
c2pa-python): it parses the JUMBF boxes, checks the claim signature (COSE), the hashes that bind the
manifest to the pixels, and the signer's certificate chain against the trust anchors it is given. What is
kept: the validation state (Invalid, Valid = signature and hashes good but the signer not trusted, Trusted
= it chains to a configured anchor), the failure codes, the signer, the claim generator and every
`digitalSourceType` that a `c2pa.actions` assertion declares, in the active manifest or its ingredients.

Offline, always: remote manifests are not fetched (`verify.remote_manifest_fetch`), OCSP is not asked
(`verify.ocsp_fetch`) and no network host is allowed (`core.allowed_network_hosts`); a photo that only
points at a remote manifest is reported as such. Trust anchors come only from a local PEM file
(LUREWATCH_C2PA_TRUST_ANCHORS); without one, no signer is trusted and a good signature reads "Valid".
Bounds: the photo's own size bound, a 4 MB decompressed manifest, a wall-clock limit per read, and
counts and lengths on everything kept. c2pa-python is an optional extra (`lurewatch[credentials]`):
without it `available()` is False and the caller says that manifests were not verified.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

READ_TIMEOUT_S = 5.0
MAX_INFLIGHT = 2  # native reads running at once, abandoned ones included
MAX_MANIFEST_MB = 4  # decompressed manifest store
MAX_JSON_CHARS = 8 * 1024 * 1024  # the store as JSON; more is refused rather than parsed
MAX_TRUST_BYTES = 1024 * 1024
MAX_MANIFESTS, MAX_ACTIONS, MAX_CODES, MAX_TEXT = 16, 64, 10, 120
TRUST_ENV = "LUREWATCH_C2PA_TRUST_ANCHORS"
# Failures that say only "not on the trust list", not that anything was altered.
UNTRUSTED = ("signingCredential.untrusted", "timeStamp.untrusted")
_MIME = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif",
         "TIFF": "image/tiff", "AVIF": "image/avif", "HEIF": "image/heif"}
_CTRL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SETTINGS: dict[str, Any] = {
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_trust": True,
               "verify_after_reading": True},
    "core": {"allowed_network_hosts": [], "allow_redirects": False,
             "max_decompressed_manifest_size_in_mb": MAX_MANIFEST_MB},
}
_INFLIGHT = threading.BoundedSemaphore(MAX_INFLIGHT)


@dataclass(slots=True)
class ManifestReport:
    """What the C2PA manifest store says and how it validated."""

    state: str  # Trusted | Valid | Invalid | unreadable | remote (not fetched) | not checked (a bound of ours)
    source_types: list[tuple[str, str]] = field(default_factory=list)  # (NewsCodes term, "active" | "ingredient")
    claim_generator: str | None = None
    signer: str | None = None  # certificate common name
    issuer: str | None = None  # certificate organisation
    failures: list[str] = field(default_factory=list)  # validation failure codes, trust aside
    untrusted: bool = False  # the signer does not chain to a configured trust anchor
    error: str | None = None

    @property
    def signature_valid(self) -> bool:
        """Signature and the hashes binding it to the file check out (trusted or not)."""
        return self.state in ("Valid", "Trusted")

    @property
    def trusted(self) -> bool:
        return self.state == "Trusted"

    @property
    def broken(self) -> bool:
        """A manifest is there but fails validation (altered after signing, or corrupt)."""
        return self.state in ("Invalid", "unreadable")

    @property
    def altered(self) -> bool:
        """A hash binding the manifest to the file no longer matches: the file changed after signing."""
        return any(c.endswith(".mismatch") for c in self.failures)

    def status_text(self) -> str:
        """One phrase for evidence: how far the manifest can be believed."""
        who = f"signed by '{self.signer}'" + (f" ({self.issuer})" if self.issuer else "") if self.signer else "signer unknown"
        if self.state == "Trusted":
            return f"{who}; signature valid, signer on the configured trust list"
        if self.state == "Valid":
            return f"{who}; signature valid, signer NOT on a trust list (anyone can make such a certificate)"
        if self.state == "Invalid":
            why = "the file was changed after signing" if self.altered else "it fails validation"
            return f"{who}; {why} ({', '.join(self.failures) or 'invalid'})"
        if self.state == "remote (not fetched)":
            return "the photo points at a remote manifest, which lurewatch never fetches"
        if self.state == "not checked":
            return f"the manifest was not checked ({self.error})"
        return f"the manifest could not be parsed ({self.error})"

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "source_types": [{"code": c, "in": w} for c, w in self.source_types],
                "claim_generator": self.claim_generator, "signer": self.signer, "issuer": self.issuer,
                "failures": list(self.failures), "error": self.error}


def available() -> bool:
    """c2pa-python is installed and its native library loads."""
    return _lib() is not None


@lru_cache(maxsize=1)
def _lib() -> Any:
    try:
        import c2pa
    except (ImportError, OSError):  # the package, or its native library, is missing
        return None
    return c2pa


def trust_anchors() -> str | None:
    """The PEM bundle named by LUREWATCH_C2PA_TRUST_ANCHORS (a local file; never fetched), or None."""
    path = os.environ.get(TRUST_ENV)
    if not path:
        return None
    return _read_anchors(path)


@lru_cache(maxsize=4)
def _read_anchors(path: str) -> str:
    p = Path(path).expanduser()
    if not p.is_file() or p.stat().st_size > MAX_TRUST_BYTES:
        raise ValueError(f"{TRUST_ENV}={path}: not a regular file of at most {MAX_TRUST_BYTES} bytes")
    text = p.read_text("ascii", errors="replace")
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ValueError(f"{TRUST_ENV}={path}: no PEM certificate in it")
    return text


def settings(anchors: str | None) -> dict[str, Any]:
    """The reader's settings: offline, bounded, and the given trust anchors (PEM) if any."""
    s = {k: dict(v) for k, v in _SETTINGS.items()}
    if anchors:
        s["trust"] = {"trust_anchors": anchors}
    return s


def has_c2pa_marker(data: bytes) -> bool:
    """Cheap test before loading the library: a JUMBF box, or an XMP pointer to a remote manifest."""
    return b"jumb" in data or b"dcterms:provenance" in data


def read_manifest(data: bytes, image_format: str | None = None, *, anchors: str | None = None,
                  timeout: float = READ_TIMEOUT_S) -> ManifestReport | None:
    """Read and verify the manifest store in image bytes. None when there is none (or no c2pa-python)."""
    if not has_c2pa_marker(data):
        return None
    c2pa = _lib()
    if c2pa is None:
        return None
    box: dict[str, Any] = {}
    start = time.monotonic()
    # The native call cannot be interrupted: a daemon thread bounds how long the caller waits for it, and a
    # semaphore how many such threads (abandoned ones included) run at once.
    if not _INFLIGHT.acquire(timeout=timeout):
        return ManifestReport("not checked", error=f"{MAX_INFLIGHT} manifest reads already running")

    def run() -> None:
        try:
            box["report"] = _read(c2pa, data, _MIME.get(image_format or ""), anchors)
        except Exception as e:  # noqa: BLE001 - any failure of the native reader is reported, not raised
            box["report"] = ManifestReport("unreadable", error=_clean(f"{type(e).__name__}: {e}"))
        finally:
            _INFLIGHT.release()

    t = threading.Thread(target=run, name="c2pa-read", daemon=True)
    t.start()
    t.join(max(0.0, timeout - (time.monotonic() - start)))
    if t.is_alive():
        return ManifestReport("not checked", error=f"reading it took over {timeout:g} s; abandoned")
    return box.get("report")


def _read(c2pa: Any, data: bytes, mime: str | None, anchors: str | None) -> ManifestReport | None:
    import io

    with c2pa.Settings.from_dict(settings(anchors)) as conf:
        ctx = c2pa.Context(conf)
    try:
        with c2pa.Reader(mime, io.BytesIO(data), context=ctx) as reader:
            text = reader.json()
    except c2pa.C2paError.ManifestNotFound:
        return None
    except c2pa.C2paError.NotSupported:
        return None  # not a container the library reads: nothing it could verify
    except c2pa.C2paError.RemoteManifest:
        return ManifestReport("remote (not fetched)")
    except c2pa.C2paError as e:
        msg = str(e)
        if msg.startswith("Remote"):
            return ManifestReport("remote (not fetched)")
        return ManifestReport("unreadable", error=_clean(msg))
    finally:
        ctx.close()
    if len(text) > MAX_JSON_CHARS:
        return ManifestReport("unreadable", error=f"manifest store over {MAX_JSON_CHARS} characters as JSON")
    return summarise(json.loads(text))


def summarise(store: dict[str, Any]) -> ManifestReport:
    """The report of a manifest store as c2pa-python's Reader.json() gives it."""
    manifests = store.get("manifests") if isinstance(store.get("manifests"), dict) else {}
    active_label = store.get("active_manifest")
    active = manifests.get(active_label) if isinstance(active_label, str) else None
    state = store.get("validation_state")
    codes = [s.get("code") for s in store.get("validation_status") or [] if isinstance(s, dict)]
    codes = [c for c in codes if isinstance(c, str)]
    rep = ManifestReport(state if state in ("Invalid", "Valid", "Trusted") else "not checked",
                         failures=[_clean(c) for c in codes if c not in UNTRUSTED][:MAX_CODES],
                         untrusted=any(c in UNTRUSTED for c in codes))
    if rep.state == "not checked":
        rep.error = "the library reported no validation state"
    if not isinstance(active, dict):
        rep.state, rep.error = "unreadable", "no active manifest in the store"
        return rep
    rep.claim_generator = _generator(active)
    sig = active.get("signature_info") if isinstance(active.get("signature_info"), dict) else {}
    rep.signer = _clean(sig.get("common_name")) or None
    rep.issuer = _clean(sig.get("issuer")) or None
    ordered = [(active_label, active)] + [(k, m) for k, m in manifests.items() if k != active_label]
    for label, m in ordered[:MAX_MANIFESTS]:
        where = "active" if label == active_label else "ingredient"
        for code in _source_types(m):
            if (code, where) not in rep.source_types:
                rep.source_types.append((code, where))
    return rep


def _generator(m: dict[str, Any]) -> str | None:
    info = m.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict):
        name, ver = info[0].get("name"), info[0].get("version")
        return _clean(f"{name} {ver}" if isinstance(ver, str) else name) or None
    return _clean(m.get("claim_generator")) or None


def _source_types(m: dict[str, Any]) -> list[str]:
    out: list[str] = []
    assertions = m.get("assertions") if isinstance(m.get("assertions"), list) else []
    for a in assertions[:MAX_ACTIONS]:
        if not isinstance(a, dict) or not str(a.get("label", "")).startswith("c2pa.actions"):
            continue
        data = a.get("data") if isinstance(a.get("data"), dict) else {}
        actions = data.get("actions") if isinstance(data.get("actions"), list) else []
        for act in actions[:MAX_ACTIONS]:
            dst = act.get("digitalSourceType") if isinstance(act, dict) else None
            if isinstance(dst, str) and dst:
                term = _clean(dst.rstrip("/").rsplit("/", 1)[-1])
                if term and term not in out:
                    out.append(term)
    return out


def _clean(value: object) -> str:
    """Attacker-written text made safe to quote: no control or bidi characters, bounded length."""
    if not isinstance(value, str):
        return ""
    return _CTRL.sub("", value).strip()[:MAX_TEXT]
