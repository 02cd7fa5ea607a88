"""The static encoder: a token-embedding table distilled from the full model, a few microseconds a sentence.

The table (``lurewatch/models/minilm_static.npz``) is made by ``scripts/distil_static_embeddings.py``
(see ``SEMANTIC_MODEL_CARD.md``): every vocabulary token passed through all-MiniLM-L6-v2 alone, reduced by
PCA, weighted by a Zipf/SIF weight of its vocabulary rank, quantised to 4 bits with one scale per
dimension (unpacked to int8 at load).
A sentence is the L2-normalised sum of its tokens' rows, which equals the normalised weighted mean.

Tokenising is the model's own WordPiece tokenizer, called once per distinct word and remembered in a bounded
memo: a sentence is split into words and punctuation the way BERT's pre-tokenizer does (white space, then
each punctuation character alone), each word looked up, so a sentence costs a few dictionary look-ups and
one vectorised sum. The same bounds as the full model hold: at most ``MAX_CHARS`` characters and
``MAX_TOKENS`` tokens (less [CLS] and [SEP]) of each sentence.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lurewatch.semantic.encoder import MAX_CHARS, MAX_TOKENS, SemanticUnavailable, SentenceCache, load_tokenizer

__all__ = ["STATIC_TABLE", "StaticEncoder", "static_table_path"]

STATIC_TABLE = "minilm_static.npz"
_WORD = re.compile(r"\w+|[^\w\s]")
_MAX_WORD_MEMO = 200_000
_MAX_CONTENT_TOKENS = MAX_TOKENS - 2  # the full model's window less [CLS] and [SEP]


def static_table_path() -> Path:
    return Path(str(importlib.resources.files("lurewatch").joinpath("models", STATIC_TABLE)))


def _unpack(q4: np.ndarray) -> np.ndarray:
    """Two 4-bit values a byte (stored as value + 8, low nibble first) to an int8 table."""
    if q4.dtype != np.uint8 or q4.ndim != 2:
        raise ValueError("q4 must be a 2-d uint8 array")
    q = np.empty((q4.shape[0], q4.shape[1] * 2), dtype=np.int8)
    q[:, 0::2] = (q4 & 0x0F).astype(np.int8) - 8
    q[:, 1::2] = (q4 >> 4).astype(np.int8) - 8
    return q


class StaticEncoder:
    """Sentence vectors from the distilled static table (see the module's docstring)."""

    name = "minilm-l6-v2-static"

    def __init__(self, table: Path | None = None, cache_entries: int = 50_000) -> None:
        path = table if table is not None else static_table_path()
        if not path.is_file():
            raise SemanticUnavailable(f"the static semantic table is missing: {path}")
        try:
            with np.load(path, allow_pickle=False) as z:
                q = _unpack(np.asarray(z["q4"])) if "q4" in z.files else np.asarray(z["q"])
                scale = np.asarray(z["scale"], dtype=np.float32)
        except Exception as exc:  # zipfile, ValueError, KeyError, OSError: all mean a bad file
            raise SemanticUnavailable(f"the static semantic table is corrupt or unreadable: {path}") from exc
        if q.ndim != 2 or q.dtype != np.int8 or scale.shape != (q.shape[1],):
            raise SemanticUnavailable(f"the static semantic table has an unexpected layout: {path}")
        self.tokenizer = load_tokenizer()
        if q.shape[0] != self.tokenizer.get_vocab_size():
            raise SemanticUnavailable(f"the static semantic table does not match the tokenizer: {path}")
        self.dim = int(q.shape[1])
        self._q = q
        self._scale = scale
        self._words: dict[str, tuple[int, ...]] = {}
        self._specials = {self.tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]", "[UNK]")}
        self.cache = SentenceCache(cache_entries)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        return self.cache.encode(sentences, self.dim, self._compute)

    def token_ids(self, sentence: str) -> list[int]:
        """The sentence's WordPiece ids (no special tokens), at most the full model's window."""
        words = self._words
        ids: list[int] = []
        for word in _WORD.findall(sentence[:MAX_CHARS].lower()):
            pieces = words.get(word)
            if pieces is None:
                pieces = self._word_ids(word)
            ids.extend(pieces)
            if len(ids) >= _MAX_CONTENT_TOKENS:
                return ids[:_MAX_CONTENT_TOKENS]
        return ids

    def _word_ids(self, word: str) -> tuple[int, ...]:
        if len(self._words) >= _MAX_WORD_MEMO:
            self._words.clear()
        ids = self.tokenizer.encode(word, add_special_tokens=False).ids
        pieces = tuple(i for i in ids if i not in self._specials)
        self._words[word] = pieces
        return pieces

    def _compute(self, texts: list[str]) -> np.ndarray:
        flat: list[int] = []
        starts: list[int] = []
        for text in texts:
            starts.append(len(flat))
            flat.extend(self.token_ids(text))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if flat:
            rows = self._q[np.asarray(flat, dtype=np.intp)].astype(np.int32)
            lengths = np.diff(np.asarray([*starts, len(flat)]))
            nonempty = lengths > 0
            sums = np.add.reduceat(rows, np.asarray(starts)[nonempty], axis=0)
            out[nonempty] = sums.astype(np.float32) * self._scale
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
