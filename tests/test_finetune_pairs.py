"""scripts/finetune_sentence_model.py: the sentences it reads and the pairs it makes (no torch needed)."""

from __future__ import annotations

import pytest

from lurewatch.indicators.engine import Engine


@pytest.fixture(scope="module")
def ft(load_script):
    return load_script("finetune_sentence_model")


def test_the_sentences_come_from_the_rule_files_only(ft, monkeypatch):
    from lurewatch.semantic import probes

    def no_corpus(*a, **k):
        raise AssertionError("the blind sets' sentences were read")

    monkeypatch.setattr(probes, "load_corpus", no_corpus)
    positives, hard, ordinary = ft.family_sentences(Engine.load().documents)
    assert set(positives) >= {"request", "credentials", "payment", "secrecy"}
    assert all(len(v) >= 5 for v in positives.values()) and len(ordinary) >= 100
    for fam, pos in positives.items():
        assert not set(pos) & set(hard[fam]), fam  # a sentence is never both a positive and a hard negative
        assert not set(pos) & set(ordinary), fam


def test_pairs_pull_a_family_together_and_push_its_negatives_away(ft):
    positives = {"pay": ["we pay a fee", "a stipend is offered", "an honorarium"], "trip": ["flights covered", "a free trip"]}
    hard = {"pay": ["the fee is on the public price list"], "trip": []}
    ordinary = ["see you on Friday", "thanks for the note"]
    pairs = ft.make_pairs(positives, hard, ordinary, per_sentence=4, seed=1)
    assert len(pairs) == 2 * 4 * 5
    for a, b, target in pairs:
        fam = next(f for f, v in positives.items() if a in v)
        if target == 1.0:
            assert b in positives[fam]
        else:
            assert b in hard[fam] or b in ordinary
            assert b not in positives[fam]
    assert pairs == ft.make_pairs(positives, hard, ordinary, per_sentence=4, seed=1)  # deterministic
    assert pairs != ft.make_pairs(positives, hard, ordinary, per_sentence=4, seed=2)
    with pytest.raises(ValueError):
        ft.make_pairs(positives, hard, [], per_sentence=1)


def test_advert_sentences_keep_genuine_adverts_only(ft, tmp_path):
    csv_path = tmp_path / "adverts.csv"
    csv_path.write_text(
        "title,company_profile,description,requirements,benefits,fraudulent\n"
        'a,"We build pumps for water utilities across the region. Short.",'
        '"You will maintain the test rigs in our Leeds workshop every week.",,,0\n'
        'b,"Earn thousands a week from home with no experience needed at all.",,,,1\n', encoding="utf-8")
    got = ft.advert_sentences(csv_path)
    assert got == ["We build pumps for water utilities across the region.",
                   "You will maintain the test rigs in our Leeds workshop every week."]


def test_the_written_ordinary_sentences_load(ft):
    got = ft.ordinary_sentences(ft.ROOT / "tests" / "data" / "written-ordinary" / "sentences.txt")
    assert len(got) == 600 and got == sorted(set(got)) and all(got)


def test_training_refuses_too_few_pairs_before_loading_anything(ft, tmp_path):
    with pytest.raises(ValueError, match="nothing to train on"):
        ft.train([("a", "b", 1.0)] * 3, tmp_path / "out", epochs=2, lr=2e-5, seed=0)
    with pytest.raises(ValueError, match="nothing to train on"):
        ft.train([("a", "b", 1.0)] * 40, tmp_path / "out", epochs=0, lr=2e-5, seed=0)
    assert not (tmp_path / "out").exists()


def test_folds_deal_the_sets_in_turn_and_cover_each_once(ft):
    sets = [f"s{i}" for i in range(10)]
    folds = [ft.fold_sets(sets, g, 4) for g in range(4)]
    assert folds[0] == ["s0", "s4", "s8"] and folds[3] == ["s3", "s7"]
    assert sorted(x for f in folds for x in f) == sorted(sets)
    with pytest.raises(ValueError):
        ft.fold_sets(sets, 4, 4)


def test_corpus_pairs_never_read_the_sets_left_out(ft):
    from lurewatch.semantic.probes import CorpusSentence

    corpus = [CorpusSentence("a", "send the board papers", ("request",), False),
              CorpusSentence("a", "lunch is at noon", (), True),
              CorpusSentence("b", "forward the design files quietly", ("request", "secrecy"), False),
              CorpusSentence("b", "the minutes are attached", (), True),
              CorpusSentence("c", "a fee of 500 for your views", ("payment",), False),
              CorpusSentence("c", "the room is booked", (), True)]
    positives = {"request": ["share the roadmap"], "secrecy": ["keep this between us"], "payment": ["a paid report"]}
    pairs = ft.corpus_pairs(corpus, positives, {"b"}, per_sentence=3, seed=0)
    assert len(pairs) == 2 * 3 * 2  # the two hostile sentences of sets a and c, a positive and a negative pair each
    words = {x for a, b, _ in pairs for x in (a, b)}
    assert not words & {"forward the design files quietly", "the minutes are attached"}
    for a, b, target in pairs:
        if target == 1.0:
            assert b in {"send the board papers", "share the roadmap"} if a == "send the board papers" \
                else b in {"a fee of 500 for your views", "a paid report"}
        else:
            assert b in {"lunch is at noon", "the room is booked"}
    assert pairs == ft.corpus_pairs(corpus, positives, {"b"}, per_sentence=3, seed=0)
    with pytest.raises(ValueError):
        ft.corpus_pairs(corpus[:1], positives, set(), per_sentence=1)


def test_cross_family_pairs_push_the_protective_family_and_the_asks_apart(ft):
    """Only negatives (0.0), only between a mitigating family's positive and an asking family's, both ways, none
    without a mitigating family; a protective positive gets K of them."""
    positives = {"protect": ["only public views, nothing your employer owns", "please clear it with your manager"],
                 "secrecy": ["keep this between us", "no need to tell your manager"], "pay": ["we pay a fee"]}
    pairs = ft.cross_family_pairs(positives, {"protect"}, per_sentence=4, seed=3)
    protect, asks = set(positives["protect"]), set(positives["secrecy"] + positives["pay"])
    assert pairs and all(t == 0.0 for _, _, t in pairs)
    assert all((a in protect and b in asks) or (a in asks and b in protect) for a, b, _ in pairs)
    assert sum(a in protect for a, _, _ in pairs) == 4 * len(protect) and {a for a, _, _ in pairs} >= asks
    assert ft.cross_family_pairs(positives, set(), per_sentence=4) == []
    assert pairs == ft.cross_family_pairs(positives, {"protect"}, per_sentence=4, seed=3)


def test_employment_pay_picks_a_jobs_pay_and_benefits_only(ft):
    """The payment family is about being paid for writing or access: a job's salary and pension are its hard
    negatives, and other ordinary sentences are left alone."""
    sentences = ["The role pays a competitive salary with a pension and a yearly bonus.",
                 "Private health insurance and 25 days of paid leave.",
                 "We are a fast-growing team in Manchester building logistics software.",
                 "My client pays 2,000 dollars for each short report you write."]
    assert ft.employment_pay(sentences) == sentences[:2]


def test_hard_mining_pairs_each_anchor_with_its_nearest_pool_sentences(ft):
    import numpy as np

    vec = {"protect": [1.0, 0.0, 0.0], "near": [0.9, 0.1, 0.0], "nearer": [0.99, 0.01, 0.0], "far": [0.0, 0.0, 1.0],
           "mid": [0.5, 0.5, 0.0], "other": [0.0, 1.0, 0.0]}

    def encode(xs):
        return np.array([vec[x] for x in xs])

    pairs = ft.nearest_pairs(["protect", "other"], ["far", "near", "nearer", "mid", "protect"], encode,
                             per_anchor=2, repeat=3)
    assert len(pairs) == 2 * 2 * 3 and all(t == 0.0 for _, _, t in pairs)
    assert {b for a, b, _ in pairs if a == "protect"} == {"nearer", "near"}  # never itself, never the far ones
    assert {b for a, b, _ in pairs if a == "other"} == {"mid", "near"}
    assert ft.nearest_pairs([], ["far"], encode) == [] and ft.nearest_pairs(["protect"], [], encode) == []


def test_wrap_pairs_tie_each_ask_to_its_admin_worded_copies_and_leave_protection_alone(ft):
    import random

    rng = random.Random(3)
    for x in ("Send me the raw data.", "Could you share the draft?", "Which suppliers do you use"):
        for _ in range(6):
            w = ft.wrapped(x, rng)
            assert w != x and w[-1] in ".?" and x.rstrip(".?").lower()[1:] in w.lower()
            assert "before friday" not in w.lower()  # LW-SEM-REQ's own example stays unseen
    positives = {"request": ["Send me the raw data.", "Could you share the draft?"], "protect": ["Keep it public."]}
    pairs = ft.wrap_pairs(positives, {"protect"}, per_sentence=3, seed=1)
    assert len(pairs) == 2 * 3 * 2 and all(t == 1.0 for _, _, t in pairs)
    assert not any("Keep it public" in a or "Keep it public" in b for a, b, _ in pairs)
    assert {a for a, _, _ in pairs[::2]} == set(positives["request"])


def test_interpolation_moves_every_float_weight_between_the_two_models_and_keeps_the_graph(ft, tmp_path):
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    def model(w: np.ndarray, path):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
        g = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "g", [x], [y],
                              [numpy_helper.from_array(w.astype(np.float32), "W"),
                               numpy_helper.from_array(np.array([7], dtype=np.int64), "shape")])
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))

    model(np.eye(2), tmp_path / "base.onnx")
    model(np.array([[3.0, 1.0], [1.0, 3.0]]), tmp_path / "tuned.onnx")
    assert ft.interpolate(tmp_path / "base.onnx", tmp_path / "tuned.onnx", 0.25, tmp_path / "mid.onnx") == 1
    out = ort.InferenceSession(str(tmp_path / "mid.onnx")).run(None, {"x": np.array([[1.0, 0.0]], dtype=np.float32)})[0]
    assert np.allclose(out, [[1.5, 0.25]])  # 0.75 * [1, 0] + 0.25 * [3, 1]
    ints = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(tmp_path / "mid.onnx")).graph.initializer}
    assert ints["shape"].tolist() == [7]  # integer tensors are left alone
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError):
            ft.interpolate(tmp_path / "base.onnx", tmp_path / "tuned.onnx", bad, tmp_path / "x.onnx")
