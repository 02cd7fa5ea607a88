"""scripts/train_combiner.py keeps sentence vectors between runs: the cache must belong to one model."""

from __future__ import annotations

import numpy as np


def test_the_training_cache_is_named_by_what_the_encoder_computes(load_script):
    """Two encoders under one name (another model through LUREWATCH_SEMANTIC_MODEL_DIR, a new static table) must
    not share train_combiner's vector cache; the same encoder always finds its own."""
    tc = load_script("train_combiner")

    class Fake:
        name, dim = "minilm-l6-v2-int8", 4

        def __init__(self, v):
            self.v = np.array([v], dtype=np.float32)

        def encode(self, sentences):
            return np.repeat(self.v, len(sentences), axis=0)

    a, b = Fake([1, 0, 0, 0]), Fake([0, 1, 0, 0])
    assert tc.cache_name(a) != tc.cache_name(b)
    assert tc.cache_name(a) == tc.cache_name(Fake([1, 0, 0, 0]))
    assert tc.cache_name(a).startswith("lurewatch-train-minilm-l6-v2-int8-4-")


def test_crossfit_maps_each_set_to_the_model_that_never_read_it(load_script, tmp_path, monkeypatch):
    """--crossfit reads the fold models' own record of the sets they left out; a set left out twice, or by none,
    or no model tuned on all, is refused rather than measured with a leak."""
    import json

    import pytest

    tc = load_script("train_combiner")
    sets = list(tc.BLIND_SETS)

    def model(name, excluded, corpus=True):
        (tmp_path / name).mkdir()
        (tmp_path / name / "training.json").write_text(json.dumps({"corpus": corpus, "excluded_sets": excluded}))

    model("fold0", sets[0::2])
    model("fold1", sets[1::2])
    with pytest.raises(SystemExit):  # no model tuned on every set
        tc.load_crossfit(tmp_path)
    model("all", [])
    model("rules-only", [], corpus=False)  # not a corpus model: ignored
    by_set, held = tc.load_crossfit(tmp_path)
    assert by_set[sets[0]] == f"dir:{tmp_path / 'fold0'}" and by_set[sets[1]] == f"dir:{tmp_path / 'fold1'}"
    assert set(by_set) == set(sets) and held == f"dir:{tmp_path / 'all'}"
    tc.BLIND_SETS = (*sets, "blind-not-in-the-corpus")  # a training set in no model's corpus: read by the held model
    assert tc.load_crossfit(tmp_path)[0] == by_set
    tc.BLIND_SETS = tuple(sets)
    from lurewatch.semantic import probes

    with monkeypatch.context() as m:  # no corpus: which sets a model saw is unknown, so nothing is measured
        m.setattr(probes, "load_corpus", lambda *a, **k: [])
        m.setattr(tc, "_CORPUS", [])
        with pytest.raises(SystemExit):
            tc.load_crossfit(tmp_path)
    model("again", sets[:1])
    with pytest.raises(SystemExit):
        tc.load_crossfit(tmp_path)


def test_train_through_moves_the_held_out_sets_up_to_one_into_the_training(load_script):
    """--train-through blindN: the held-out sets up to N join the training in order, the later ones stay held out,
    no set is lost or doubled, and a set that is not held out is refused."""
    import pytest

    tc = load_script("train_combiner")
    held = tc.HELD_OUT_SETS
    train, still_held = tc.train_through(held[2])
    assert train == tc.BLIND_SETS + held[:3] and still_held == held[3:]
    assert tc.train_through(held[-1]) == (tc.BLIND_SETS + held, ())
    with pytest.raises(SystemExit):
        tc.train_through(tc.BLIND_SETS[0])


def test_a_crossfit_combiner_is_written_only_for_the_packaged_model(load_script, tmp_path, monkeypatch):
    """--crossfit --write names the combiner after the packaged tuned model, and only when one is packaged and the
    model tuned on all is that file byte for byte: a combiner fitted on another model's readings must not ship
    under its name."""
    import hashlib
    import shutil

    import pytest

    from lurewatch.semantic import encoder

    tc = load_script("train_combiner")
    (tmp_path / "same").mkdir()
    shutil.copy(encoder._wheel_model(), tmp_path / "same" / "model.onnx")
    with pytest.raises(SystemExit, match="is not the packaged"):  # the shipped tuned model is another file
        tc.packaged_name(f"dir:{tmp_path / 'same'}")
    monkeypatch.setattr(encoder, "_TUNED_SHA256", None)
    with pytest.raises(SystemExit, match="no tuned model is packaged"):
        tc.packaged_name(f"dir:{tmp_path / 'same'}")
    packaged = tmp_path / encoder.TUNED_FILE
    shutil.copy(encoder._wheel_model(), packaged)  # stands in for a packaged tuned model
    monkeypatch.setattr(encoder, "_tuned_path", lambda: packaged)
    monkeypatch.setattr(encoder, "_TUNED_SHA256", hashlib.sha256(packaged.read_bytes()).hexdigest())
    assert tc.packaged_name(f"dir:{tmp_path / 'same'}") == encoder.TUNED_NAME
    (tmp_path / "other").mkdir()
    data = bytearray(packaged.read_bytes())
    data[len(data) // 2] ^= 1
    (tmp_path / "other" / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(SystemExit, match="not the packaged"):
        tc.packaged_name(f"dir:{tmp_path / 'other'}")


def test_the_caches_live_in_a_private_folder_and_an_open_one_is_refused(load_script, tmp_path, monkeypatch):
    """The vector cache is a pickle (reading it runs code): its folder must be this user's and closed to others,
    never a file another local user could plant in a shared temporary directory."""
    import stat
    import tempfile

    import pytest

    tc = load_script("train_combiner")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    folder = tc.cache_dir()
    assert folder.parent == tmp_path and stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    folder.chmod(0o777)
    with pytest.raises(SystemExit, match="not a private folder"):
        tc.cache_dir()
    folder.rmdir()
    folder.symlink_to(tmp_path)  # a link planted in its place is refused too
    with pytest.raises(SystemExit, match="not a private folder"):
        tc.cache_dir()


def test_the_tuned_combiners_sets_split_the_same_sets_without_loss_or_overlap() -> None:
    """The tuned model's combiner trains on every corpus set and sets 29-56; every later set stays held out,
    and no set is lost, doubled or both trained on and held out."""
    from lurewatch.learned.labelled import (
        BLIND_SETS,
        CORPUS_SETS,
        HELD_OUT_SETS,
        TUNED_HELD_OUT_SETS,
        TUNED_TRAINING_SETS,
    )

    assert set(CORPUS_SETS) <= set(TUNED_TRAINING_SETS)
    assert not set(TUNED_TRAINING_SETS) & set(TUNED_HELD_OUT_SETS)
    assert sorted(TUNED_TRAINING_SETS + TUNED_HELD_OUT_SETS) == sorted(BLIND_SETS + HELD_OUT_SETS)
    assert len(set(TUNED_TRAINING_SETS)) == len(TUNED_TRAINING_SETS) == 56
    assert TUNED_HELD_OUT_SETS[0] == "blind57" and HELD_OUT_SETS[28:] == TUNED_HELD_OUT_SETS
