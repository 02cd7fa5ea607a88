"""The semantic layer's runtime: sentence splitting and sentence embeddings (full ONNX model or static table).

See docs/semantic.md. Exemplar matching and findings are built on top of this package.
"""

from lurewatch.semantic.encoder import Encoder, SemanticUnavailable, load_encoder
from lurewatch.semantic.sentences import split_sentences

__all__ = ["Encoder", "SemanticUnavailable", "load_encoder", "split_sentences"]
