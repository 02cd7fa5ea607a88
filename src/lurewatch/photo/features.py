"""Small, robust features for the AI-generated face classifier.

Three groups, each cheap (a few ms on a 400 px photo):
- geometry: where the face and eyes are. StyleGAN-family portraits (trained on FFHQ, which is aligned
  on the eyes) put the eyes at almost the same image position every time; real photos do not.
- spectrum: the azimuthally averaged log power spectrum (GAN upsampling leaves periodic energy).
- colour and texture: saturation/value statistics, sharpness of the face versus the background,
  uniform local binary pattern histogram of the face (GAN skin is smooth in a characteristic way).
With the Face Mesh landmarks (the shipped model): LANDMARK (positions and layout offsets) and FRAME (the
crop that turns FFHQ's alignment frame of the face into the photo's edges, which survives reframing).
ALIGNED (texture and spectrum of the eye-aligned face) is kept for ablations; it is not used (model card).
"""

from __future__ import annotations

import cv2
import numpy as np

from lurewatch.photo.faces import FaceScan
from lurewatch.photo.landmarks import CHIN, MOUTH, NOSE, Landmarks

SPEC_BINS = 16
GEOMETRY = ["face_found", "n_faces", "face_cx", "face_cy", "face_w", "eyes_found", "eye_lx", "eye_ly",
            "eye_rx", "eye_ry", "eye_dist", "eye_tilt", "eye_off", "eye_off_log"]
SPECTRUM = [f"spec_{i}" for i in range(SPEC_BINS)] + ["spec_slope", "spec_hf"]
COLOUR = ["sat_mean", "sat_std", "val_mean", "val_std", "chan_std_spread", "sharp_face", "sharp_bg",
          "sharp_ratio", "clip_frac"]
LBP = [f"lbp_{i}" for i in range(10)]
NAMES = GEOMETRY + SPECTRUM + COLOUR + LBP
# Precise landmarks (lurewatch.photo.landmarks), used only by the landmark model (NAMES + LANDMARK).
LANDMARK_RAW = ["lm_lx", "lm_ly", "lm_rx", "lm_ry", "lm_nose_x", "lm_nose_y", "lm_mouth_x", "lm_mouth_y"]
LANDMARK = ["lm_face_prob", *LANDMARK_RAW, "lm_chin_y", "lm_eye_dist", "lm_eye_tilt", "lm_eye_off",
            "lm_eye_off_log", "lm_off", "lm_off_log", "lm_off_scaled"]
NAMES_LM = NAMES + LANDMARK
# Crop-invariant cues (issue 16), landmark model only. ALIGNED: the face warped so that the eyes sit at
# fixed places (a crop no longer moves what is measured), then the spectrum, statistics and texture of its
# high-pass residual. FRAME: the crop that turns FFHQ's alignment frame of the face (where StyleGAN put
# the picture's edges) into the photo's edges (a reframed StyleGAN face: 0-8% a side).
ALIGN_SIDE = 96
ALIGN_EYES = (0.32, 0.40, 0.68, 0.40)  # eye centres in the aligned crop (fractions of its side)
AL_SPEC_BINS = 12
ALIGNED = ([f"al_spec_{i}" for i in range(AL_SPEC_BINS)]
           + ["al_spec_slope", "al_res_std", "al_res_kurt", "al_res_rg", "al_res_gb"]
           + [f"al_lbp_{i}" for i in range(10)])
# Face Mesh points kept: eye corners, nose tip, inner lips, mouth corners, chin, forehead, cheeks (the frame
# uses the eye and mouth corners).
FRAME_POINTS = (33, 133, 362, 263, 1, 13, 14, 61, 291, 152, 10, 234, 454)
FRAME = ["fr_crop_l", "fr_crop_t", "fr_crop_r", "fr_crop_b", "fr_scale", "fr_tilt", "fr_outside"]
NAMES_ALL = NAMES_LM + ALIGNED + FRAME


def extract(rgb: np.ndarray, scan: FaceScan, canonical_eyes: list[float]) -> np.ndarray:
    """The feature vector (float64, in NAMES order) of one decoded photo and its face scan."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    out = _geometry(scan, canonical_eyes) + _spectrum(gray) + _colour(rgb, gray, scan) + _lbp(gray, scan)
    return np.asarray(out, dtype=np.float64)


def landmark_raw(lm: Landmarks) -> list[float]:
    """[face_prob, *LANDMARK_RAW, chin_y]: what the landmark features are computed from."""
    p = lm.points
    nose, mouth, chin = p[NOSE], p[list(MOUTH)].mean(axis=0), p[CHIN]
    return [lm.face_prob, *lm.eyes(), float(nose[0]), float(nose[1]), float(mouth[0]), float(mouth[1]),
            float(chin[1])]


def landmark_features(raw: list[float], canon: list[float]) -> list[float]:
    """LANDMARK features: positions, eye distance/tilt, and offsets from the canonical StyleGAN layout."""
    prob, pos, chin_y = raw[0], np.asarray(raw[1:9], dtype=np.float64), raw[9]
    c = np.asarray(canon, dtype=np.float64)
    lx, ly, rx, ry = pos[:4]
    dist = float(np.hypot(rx - lx, ry - ly))
    eye_off = float(np.linalg.norm(pos[:4] - c[:4]))
    off = float(np.linalg.norm(pos - c))
    cdist = float(np.hypot(c[2] - c[0], c[3] - c[1]))
    # Same layout at another scale (a re-cropped generated face) relative to the eye midpoint.
    mid, cmid = (pos[:2] + pos[2:4]) / 2, (c[:2] + c[2:4]) / 2
    rel = (pos.reshape(4, 2) - mid) / max(dist, 1e-3) - (c.reshape(4, 2) - cmid) / cdist
    return [prob, *pos.tolist(), chin_y, dist, float(np.arctan2(ry - ly, rx - lx)), eye_off,
            float(np.log(eye_off + 1e-3)), off, float(np.log(off + 1e-3)), float(np.linalg.norm(rel))]


def aligned_features(rgb: np.ndarray, eyes: list[float]) -> list[float]:
    """ALIGNED features of the face warped (similarity transform) so the eyes [lx, ly, rx, ry] (relative to
    the image) land on ALIGN_EYES in an ALIGN_SIDE px crop; large photos are first shrunk (area filter)."""
    h, w = rgb.shape[:2]
    p1, p2 = complex(eyes[0] * w, eyes[1] * h), complex(eyes[2] * w, eyes[3] * h)
    q1 = complex(ALIGN_EYES[0] * ALIGN_SIDE, ALIGN_EYES[1] * ALIGN_SIDE)
    q2 = complex(ALIGN_EYES[2] * ALIGN_SIDE, ALIGN_EYES[3] * ALIGN_SIDE)
    if abs(p2 - p1) < 2:
        return [0.0] * len(ALIGNED)
    a = (q2 - q1) / (p2 - p1)
    if abs(a) < 1:  # shrink first so the warp does not alias
        s = max(abs(a), 8 / max(h, w))
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
        p1, p2 = p1 * s, p2 * s
        a = (q2 - q1) / (p2 - p1)
    b = q1 - a * p1
    m = np.array([[a.real, -a.imag, b.real], [a.imag, a.real, b.imag]], dtype=np.float64)
    crop = cv2.warpAffine(rgb, m, (ALIGN_SIDE, ALIGN_SIDE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT).astype(np.float64)
    res = crop - cv2.GaussianBlur(crop, (0, 0), 1.0)
    gray_res = res.mean(axis=2)
    sd = float(gray_res.std())
    z = gray_res / max(sd, 1e-6)
    prof = _radial_log_power(z, AL_SPEC_BINS, 0.05)
    centres = np.linspace(0.05, 0.5, AL_SPEC_BINS + 1)
    centres = (centres[:-1] + centres[1:]) / 2
    slope = float(np.polyfit(np.log(centres), prof, 1)[0])
    kurt = float((z ** 4).mean() - 3.0)
    r, g, bl = (res[..., i].ravel() for i in range(3))
    corr = [float(np.corrcoef(u, v)[0, 1]) if u.std() > 1e-9 and v.std() > 1e-9 else 1.0 for u, v in ((r, g), (g, bl))]
    gray = cv2.cvtColor(crop.astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return [*prof.tolist(), slope, float(np.log1p(sd)), kurt, *corr, *_lbp_hist(gray)]


def frame_points(lm: Landmarks) -> list[float]:
    """[x0, y0, x1, y1, ...] of FRAME_POINTS, relative to the image."""
    return lm.points[list(FRAME_POINTS)].ravel().tolist()


def ffhq_frame(points: list[float]) -> list[float]:
    """The square FFHQ's alignment would cut from this face (the recipe of its `align_faces`: centred a tenth
    of the way from the eye midpoint to the mouth, half-side max(2 x eye distance, 1.8 x eye-to-mouth)), as
    [left margin, top margin, right margin, bottom margin, side, angle], relative to the photo. A StyleGAN
    face (FFHQ-trained) fills its frame; a crop of one moves each margin by what was cut from that side."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    el, er = p[0:2].mean(axis=0), p[2:4].mean(axis=0)  # FRAME_POINTS: the eye corners, then ...
    ea, ma = (el + er) / 2, (p[7] + p[8]) / 2  # ... the mouth corners
    e2e, e2m = er - el, ma - ea
    x = e2e - np.flipud(e2m) * np.array([-1.0, 1.0])
    half = max(float(np.hypot(*e2e)) * 2.0, float(np.hypot(*e2m)) * 1.8)
    norm = float(np.hypot(*x))
    angle = float(np.arctan2(x[1], x[0])) if norm > 1e-9 else 0.0
    c = ea + e2m * 0.1
    return [float(c[0] - half), float(c[1] - half), float(1 - c[0] - half), float(1 - c[1] - half), 2 * half, angle]


def frame_features(points: list[float], canon: list[float]) -> list[float]:
    """FRAME features: the crop of each side (fraction of the original) and the scale that would turn the
    canonical StyleGAN frame `canon` (ffhq_frame of the training fakes, median) into this photo's; its tilt;
    and how far the implied crop lies outside 0..10% per side (a reframed generated face: inside)."""
    f = ffhq_frame(points)
    u = f[4] / canon[4] if canon[4] > 0 else 1.0  # photo units per original unit
    u = min(max(u, 0.1), 10.0)
    crops = np.array([canon[k] - f[k] / u for k in range(4)])
    outside = float(np.abs(crops - np.clip(crops, 0.0, 0.10)).sum())
    return [*crops.tolist(), u, f[5] - canon[5], outside]


def best_eye_pair(eyes: list[tuple[float, float]], canon: list[float]) -> tuple[list[float], float] | None:
    """The (left, right) candidate pair closest to the canonical StyleGAN eye positions, and its distance."""
    c = np.asarray(canon, dtype=np.float64)
    best: tuple[list[float], float] | None = None
    for lx, ly in eyes:
        for rx, ry in eyes:
            if rx - lx < 0.05:  # right eye must be right of the left one
                continue
            off = float(np.linalg.norm(np.array([lx, ly, rx, ry]) - c))
            if best is None or off < best[1]:
                best = ([lx, ly, rx, ry], off)
    return best


def _geometry(scan: FaceScan, canon: list[float]) -> list[float]:
    if scan.faces:
        x, y, w, h = scan.faces[0]
        face = [1.0, min(len(scan.faces), 3), x + w / 2, y + h / 2, w]
    else:
        face = [0.0, float(scan.count), 0.5, 0.5, 0.0]
    pair = best_eye_pair(scan.eyes, canon)
    if pair is not None:
        (lx, ly, rx, ry), off = pair
        dist = float(np.hypot(rx - lx, ry - ly))
        tilt = float(np.arctan2(ry - ly, rx - lx))
        eyes = [1.0, lx, ly, rx, ry, dist, tilt, off, float(np.log(off + 1e-3))]
    else:
        lx, ly, rx, ry = canon
        # No eye pair found: put it "far" from the canonical place (no geometric evidence of a GAN).
        eyes = [0.0, lx, ly, rx, ry, rx - lx, 0.0, 0.25, float(np.log(0.25))]
    return face + eyes


def _radial_log_power(g: np.ndarray, bins: int, lo: float) -> np.ndarray:
    """Azimuthal mean of the log power spectrum of a square array (windowed) over lo..0.5 cycles/pixel."""
    s = g.shape[0]
    g = (g - g.mean()) * np.outer(np.hanning(s), np.hanning(s))
    p = np.log(np.abs(np.fft.fftshift(np.fft.fft2(g))) ** 2 + 1e-8)
    yy, xx = np.indices(p.shape)
    r = np.hypot(yy - s // 2, xx - s // 2) / s
    edges = np.linspace(lo, 0.5, bins + 1)
    idx = np.digitize(r.ravel(), edges) - 1
    ok = (idx >= 0) & (idx < bins)
    sums = np.bincount(idx[ok], weights=p.ravel()[ok], minlength=bins)
    return sums / np.maximum(np.bincount(idx[ok], minlength=bins), 1)


def _spectrum(gray: np.ndarray) -> list[float]:
    """Azimuthal average of the log power spectrum over frequency 0.05..0.5 cycles/pixel."""
    h, w = gray.shape
    s = min(h, w)
    g = gray[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s].astype(np.float64)
    g = (g - g.mean()) * np.outer(np.hanning(s), np.hanning(s))
    p = np.log(np.abs(np.fft.fftshift(np.fft.fft2(g))) ** 2 + 1e-8)
    yy, xx = np.indices(p.shape)
    r = np.hypot(yy - s // 2, xx - s // 2) / s  # cycles per pixel
    edges = np.linspace(0.05, 0.5, SPEC_BINS + 1)
    idx = np.digitize(r.ravel(), edges) - 1
    ok = (idx >= 0) & (idx < SPEC_BINS)
    sums = np.bincount(idx[ok], weights=p.ravel()[ok], minlength=SPEC_BINS)
    counts = np.maximum(np.bincount(idx[ok], minlength=SPEC_BINS), 1)
    prof = sums / counts
    centres = (edges[:-1] + edges[1:]) / 2
    slope = float(np.polyfit(np.log(centres), prof, 1)[0])
    shape = prof - prof.mean()
    return [*shape.tolist(), slope, float(prof[-4:].mean() - prof[:4].mean())]


def _face_mask(shape: tuple[int, int], scan: FaceScan) -> np.ndarray | None:
    if not scan.faces:
        return None
    h, w = shape
    x, y, fw, fh = scan.faces[0]
    m = np.zeros(shape, dtype=bool)
    m[int(y * h):int((y + fh) * h), int(x * w):int((x + fw) * w)] = True
    return m if 0 < m.sum() < m.size else None


def _colour(rgb: np.ndarray, gray: np.ndarray, scan: FaceScan) -> list[float]:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float64) / 255.0
    chan = rgb.reshape(-1, 3).astype(np.float64).std(axis=0)
    lap = np.abs(cv2.Laplacian(gray, cv2.CV_64F))
    mask = _face_mask(gray.shape, scan)
    if mask is not None:
        sf, sb = float(lap[mask].mean()), float(lap[~mask].mean())
    else:
        sf = sb = float(lap.mean())
    clip = float(((gray < 3) | (gray > 252)).mean())
    return [hsv[..., 1].mean(), hsv[..., 1].std(), hsv[..., 2].mean(), hsv[..., 2].std(),
            float(chan.max() - chan.min()) / 255.0, np.log1p(sf), np.log1p(sb), np.log1p(sf) - np.log1p(sb),
            clip]


def _lbp(gray: np.ndarray, scan: FaceScan) -> list[float]:
    """Histogram of rotation-invariant uniform LBP codes (P=8, R=1) over the face at 96 px."""
    h, w = gray.shape
    if scan.faces:
        x, y, fw, fh = scan.faces[0]
        crop = gray[int(y * h):int((y + fh) * h), int(x * w):int((x + fw) * w)]
    else:
        crop = gray
    if crop.size < 64:
        crop = gray
    return _lbp_hist(cv2.resize(crop, (96, 96), interpolation=cv2.INTER_AREA))


def _lbp_hist(gray: np.ndarray) -> list[float]:
    c = gray.astype(np.int16)
    centre = c[1:-1, 1:-1]
    offs = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]
    bits = np.stack([(c[1 + dy:c.shape[0] - 1 + dy, 1 + dx:c.shape[1] - 1 + dx] >= centre) for dy, dx in offs])
    ones = bits.sum(axis=0)
    transitions = (bits != np.roll(bits, 1, axis=0)).sum(axis=0)
    code = np.where(transitions <= 2, ones, 9)  # riu2 mapping: 0..8 uniform, 9 = non-uniform
    hist = np.bincount(code.ravel(), minlength=10).astype(np.float64)
    return (hist / hist.sum()).tolist()
