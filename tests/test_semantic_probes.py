"""The shipped, pre-fitted behaviour probes: current, equal to a fresh fit, and never trusted blindly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lurewatch.indicators.engine import Engine
from lurewatch.semantic import probes
from lurewatch.semantic.layer import SemanticLayer, parse_families, rule_examples
from lurewatch.semantic.static import StaticEncoder


@pytest.fixture(scope="module")
def docs():
    return Engine.load().documents


@pytest.fixture(scope="module")
def static():
    return StaticEncoder()


def _sets(docs):
    return probes.training_sets(parse_families(docs), rule_examples(docs), probes.load_corpus())


@pytest.mark.parametrize("name", ["minilm-l6-v2-static", "minilm-l6-v2-int8", "minilm-l6-v2-tuned-int8"])
def test_shipped_probes_match_the_rule_files(docs, name: str) -> None:
    """Fails when a `semantic:` entry or a rule example changed without scripts/fit_semantic_probes.py."""
    with np.load(probes.shipped_path(name)) as z:
        assert str(z["key"]) == probes.data_key(name, _sets(docs)), "run scripts/fit_semantic_probes.py"


def test_shipped_probes_equal_a_fresh_fit(docs, static) -> None:
    sets = _sets(docs)
    shipped = probes.load_shipped(static, sets)
    assert shipped is not None
    fresh = probes.fit(static, sets)
    # The fit's last digits follow the BLAS thread count (1.2e-4 apart with OMP_NUM_THREADS=1, 7 Dec 2026);
    # a probe fitted on other sentences differs by orders of magnitude more, and the key test above catches it.
    np.testing.assert_allclose(shipped.W, fresh.W, atol=1e-3)
    np.testing.assert_allclose(shipped.b, fresh.b, atol=1e-3)
    layer = SemanticLayer(parse_families(docs), static, rule_examples(docs))
    assert layer.probes_source == "shipped"


def test_changed_rules_are_fitted_on_load(docs, static) -> None:
    families = parse_families(docs)
    families[0].exemplars = [*families[0].exemplars, "Please share the unreleased wafer yield figures with me."]
    layer = SemanticLayer(families, static, rule_examples(docs))
    assert layer.probes_source == "fitted on load"
    assert layer.matches("Please share the unreleased wafer yield figures with me.")[families[0].family] > 0.5


def test_a_damaged_file_is_not_used(docs, static, tmp_path: Path) -> None:
    bad = tmp_path / "p.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert probes.load_shipped(static, _sets(docs), bad) is None


class _Impostor:
    """Same name as the static encoder, different vectors: the check sentence gives it away."""

    name = "minilm-l6-v2-static"

    def __init__(self, inner: StaticEncoder) -> None:
        self.inner = inner

    def encode(self, sentences):
        v = self.inner.encode(sentences)
        return np.roll(v, 1, axis=1)


def test_a_different_model_under_the_same_name_is_refitted(docs, static) -> None:
    sets = _sets(docs)
    assert probes.load_shipped(_Impostor(static), sets) is None


def test_a_corpus_larger_than_one_encoder_call_is_fitted_in_batches(static) -> None:
    """The encoders refuse more than MAX_SENTENCES_PER_CALL sentences at once (a bound on hostile input);
    the probes' own training data (exemplars and every blind set's sentences) outgrew it."""
    from lurewatch.semantic.encoder import MAX_SENTENCES_PER_CALL

    n = MAX_SENTENCES_PER_CALL + 500
    pos = [f"please send the unpublished results of trial {i}" for i in range(n // 2)]
    neg = [f"the public programme of session {i} is on the website" for i in range(n - n // 2)]
    sets = [probes.TrainingSet("request", pos, neg, pos[:3], frozenset())]
    fitted = probes.fit(static, sets)
    assert fitted.W.shape == (static.dim, 1)
    scores = static.encode([pos[7], neg[7]]) @ fitted.W[:, 0] + fitted.b[0]
    assert scores[0] > scores[1]


def test_a_new_rules_examples_do_not_move_the_probes(docs) -> None:
    """Every rule's negative examples are read by every probe from the frozen list, so a rule added (or its
    examples edited) changes the rules' findings and not the probes, until the list is refreshed on purpose
    (scripts/fit_semantic_probes.py --refresh-rule-negatives) and measured like any model change."""
    extra = [("extra.yaml", {"indicators": [{"id": "LW-TEST-999", "scope": "message", "examples": {
        "positive": ["Please add my key to the server."],
        "negative": ["The service desk adds keys through the access form."]}}]})]
    before = _sets(docs)
    after = probes.training_sets(parse_families(docs), rule_examples([*docs, *extra]), probes.load_corpus())
    assert [(s.family, s.positives, s.negatives) for s in after] == [(s.family, s.positives, s.negatives) for s in before]
    live = probes.training_sets(parse_families(docs), rule_examples([*docs, *extra]), probes.load_corpus(),
                                rule_negatives=probes.live_rule_negatives(rule_examples([*docs, *extra])))
    assert any("The service desk adds keys through the access form." in s.negatives for s in live)


def test_the_frozen_rule_negatives_are_rule_examples_and_a_damaged_list_is_not_used(docs, tmp_path: Path) -> None:
    frozen = probes.load_rule_negatives()
    assert frozen and set(frozen) <= set(probes.live_rule_negatives(rule_examples(docs)))
    bad = tmp_path / "n.json"
    bad.write_text('{"not": "a list"}')
    assert probes.load_rule_negatives(bad) is None
    assert probes.load_rule_negatives(tmp_path / "missing.json") is None
