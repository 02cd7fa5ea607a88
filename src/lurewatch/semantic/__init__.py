"""The semantic layer: sentence embeddings and behaviour probes beside the phrase rules."""
