"""Train and measure the score combiner (lurewatch.learned.combiner), leave one set out.

Training rows are the cases of the training blind sets (BLIND_SETS, sets 1-28; --train-through adds held-out
sets for a measurement), plus the harder, demo and development cases. Each blind case is scored by the rules
as they were before that set was
first seen (tests/data/prior_rule_findings.jsonl, made by scripts/prior_rule_findings.py): the rules'
behaviour on wording they had never met, which is what a scan meets in use. The semantic layer and the
thread's shape are computed from the cases themselves; the probes are trained on the blind sets' sentences
too (lurewatch.semantic.probes), so a row's semantic inputs come from probes fitted without its own set
(and without the set left out), as stacking requires.

For every set: fit on the others, choose the medium and high thresholds on those by an inner
leave-one-set-out (the probability at which at most MEDIUM_FPR / HIGH_FPR of their legitimate cases are
flagged), and measure on the set left out. The exported model is then fitted on all of them, with the
thresholds taken from the outer out-of-fold probabilities. Held-out sets (HELD_OUT_SETS: blind sets not
yet measured, then kept out) are measured last with today's rules and never trained on.

    python scripts/train_combiner.py --encoder static [--write]
    python scripts/train_combiner.py --encoder full --crossfit M [--write]   (M: scripts/finetune_sentence_model.py)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lurewatch.learned.combiner import (  # noqa: E402
    FORMAT,
    Combiner,
    features,
    fuse_semantic,
    has_behaviour,
    policy_floor,
)
from lurewatch.learned.labelled import (  # noqa: E402
    ADVERSARIAL_SETS,
    BLIND_SETS,
    HELD_OUT_SETS,
    TUNED_HELD_OUT_SETS,
    TUNED_TRAINING_SETS,
    load_yaml_set,
)
from lurewatch.model import Approach, Finding  # noqa: E402
from lurewatch.semantic.encoder import BASE_NAME  # noqa: E402

# Legitimate share at medium or high chosen inside each fold. It was 7% while asking for the goal itself, 8%,
# gave 8.3-9.0% on the sets left out (sets 1-11). Over sets 1-19, 7% gave 5.7-5.9% left out and 8% gives
# 6.2% (static) and 6.9% (full), with more hostile approaches flagged and no set newly over the goal.
MEDIUM_FPR = float(os.environ.get("LW_MEDIUM_FPR", "0.08"))
HIGH_FPR = 0.01  # at most 1% at high (goal: 2%)
MIN_SUPPORT = 10  # an indicator that fired in fewer training cases keeps its own weight as a floor
C = 0.5  # L2 strength: few features, a few hundred cases


@dataclass
class Row:
    set_name: str
    case_id: str
    hostile: bool
    approach: Approach
    findings: list[Finding]
    rules_score: float
    rules_level: str
    x: dict[str, float] | None = None
    train_only: bool = False  # the same case scored by today's rules: trained on, never measured


_LAYER: dict[str, object] = {}
ENCODER = ["auto"]
CURRENT = [False]
QUICK = [False]
FUSED = "fused"  # --encoder fused: the untuned full model's families and the static table's beside them
MODEL = ["logistic"]  # --model trees: gradient-boosted trees over the same inputs (a measurement, not with --write)
CROSSFIT: dict[str, str] = {}  # --crossfit: set -> the model folder tuned without it (rows of other sets: HELD_DIR)
HELD_DIR = [""]
WRITE_NAME = [""]  # --crossfit --write: the name of the packaged model that the held model is a copy of
# Inputs that may only lower the trees' probability (signs of legitimate outreach), and the thread facts left
# free; every other input (a rule category, a semantic family, the rules' score, pressing after a no) may
# only raise it, so that adding a red flag never lowers a score.
LOWERING = frozenset(("cat:legitimacy", "internal_only", "sem:LW-SEM-PROTECT"))
FREE = frozenset(("owner_replied", "sender_first"))


def _layer(kind: str | None = None):
    """The semantic layer of `kind` (default: the encoder trained for; the untuned full model's when fused)."""
    from lurewatch.semantic.layer import default_layer

    kind = kind or ("base" if ENCODER[0] == FUSED else ENCODER[0])
    if kind not in _LAYER and kind.startswith("dir:"):  # a tuned model of --crossfit
        from lurewatch.indicators.engine import default_engine
        from lurewatch.semantic.encoder import FullEncoder
        from lurewatch.semantic.layer import SemanticLayer, parse_families, rule_examples

        docs = default_engine().documents
        layer = SemanticLayer(parse_families(docs), FullEncoder(Path(kind[4:])), rule_examples(docs))
        _cache_to_disk(layer.encoder)
        _LAYER[kind] = layer
    if kind not in _LAYER:
        layer = default_layer(kind)
        if layer is None:
            sys.exit("the semantic layer did not load: the combiner must be trained with it")
        _cache_to_disk(layer.encoder)
        _LAYER[kind] = layer
    return _LAYER[kind]


def _encoder_name() -> str:
    if CROSSFIT and WRITE_NAME[0]:
        return WRITE_NAME[0]
    if CROSSFIT:
        return f"crossfit({len(set(CROSSFIT.values()))} folds, held out: {HELD_DIR[0]})"
    if ENCODER[0] == FUSED:
        return f"{_layer('base').encoder.name}+{_layer('static').encoder.name}"
    return _layer().encoder.name


def cache_name(encoder) -> str:
    """The vector cache's file name: the encoder's name and a fingerprint of what it computes (its vector of a
    fixed sentence), so that another model under the same name (LUREWATCH_SEMANTIC_MODEL_DIR, a new static
    table) never reads the vectors of the old one."""
    import hashlib

    from lurewatch.semantic.probes import CHECK_SENTENCE

    vec = np.round(np.asarray(encoder.encode([CHECK_SENTENCE]), dtype=np.float64).ravel(), 3)  # onnxruntime builds differ in the last bits
    digest = hashlib.blake2b(vec.tobytes(), digest_size=6).hexdigest()
    return f"lurewatch-train-{encoder.name}-{encoder.dim}-{digest}.pkl"


def cache_dir() -> Path:
    """This user's folder for the caches of this script, under the temporary directory. The vector cache is a
    pickle, which runs code when read: a file another local user could plant in a shared /tmp must never be
    read, so the folder is created private and refused unless it is this user's and closed to others."""
    import stat
    import tempfile

    path = Path(tempfile.gettempdir()) / f"lurewatch-train-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        sys.exit(f"{path}: not a private folder of this user; remove it (the training caches are read from it)")
    return path


def _cache_to_disk(encoder) -> None:
    """Keep sentence vectors between runs of this script (the full model takes minutes over every set)."""
    import atexit
    import pickle

    path = cache_dir() / cache_name(encoder)
    cache: dict[str, np.ndarray] = pickle.loads(path.read_bytes()) if path.is_file() else {}
    encode = encoder.encode

    def cached(sentences):
        todo = [s for s in dict.fromkeys(sentences) if s not in cache]
        if todo:
            cache.update(zip(todo, encode(todo), strict=True))
        return np.array([cache[s] for s in sentences]).reshape(len(sentences), encoder.dim)

    encoder.encode = cached
    atexit.register(lambda: path.write_bytes(pickle.dumps(cache)))


def prior_rows() -> list[Row]:
    prior = {}
    for line in (ROOT / "tests/data/prior_rule_findings.jsonl").read_text().splitlines():
        r = json.loads(line)
        prior[r["id"]] = r
    rows = []
    for name in BLIND_SETS:
        for lab in load_yaml_set(ROOT / "tests/data" / name / "approaches.yaml", name):
            r = prior[lab.case_id]
            fs = [Finding(f["indicator"], f["indicator"], f["category"], f["weight"], "", "", f["field"])
                  for f in r["findings"]]
            rows.append(Row(name, lab.case_id, lab.hostile, lab.approach, fs, r["score"], r["level"]))
    return rows


def current_rows() -> list[Row]:
    """Blind sets 1-9 scored by today's rules: what the rules do once they know a kind of wording. Trained
    on beside the before-tuning rows, left out with their set, never measured."""
    an = _rules_analyser()
    rows = []
    for name in BLIND_SETS:
        for lab in load_yaml_set(ROOT / "tests/data" / name / "approaches.yaml", name):
            r = _scored(an, lab)
            r.train_only = True
            rows.append(r)
    return rows


def extra_rows() -> list[Row]:
    """The harder cases, the demo export and the development cases, scored by today's rules: always in
    training, never left out (the rules were written on them)."""
    from lurewatch.learned.labelled import load_all

    an = _rules_analyser()
    rows = []
    for name, items in load_all(ROOT, ROOT.parent / "shared").items():
        if name in BLIND_SETS:
            continue
        for lab in items:
            rows.append(_scored(an, lab))
    return rows


def _rules_analyser():
    from lurewatch.pipeline import Analyser
    from lurewatch.scoring.providers import ScanContext

    return Analyser(ScanContext(use_photos=False, use_text_model=False, semantic="off"), combiner=False)


def _scored(an, lab) -> Row:
    from lurewatch.scoring.combine import level_of, score_findings

    a = an.analyse_one(lab.approach)
    s = score_findings(a.findings)
    return Row(lab.set_name, lab.case_id, lab.hostile, a, list(a.findings), s, level_of(s))


def held_out_rows() -> list[Row]:

    an = _rules_analyser()
    rows = []
    for name in HELD_OUT_SETS:
        p = ROOT / "tests/data" / name / "approaches.yaml"
        if p.is_file():
            rows += [_scored(an, lab) for lab in load_yaml_set(p, name)]
    return rows


_PROBES: dict[tuple[str | None, frozenset], tuple] = {}
_CORPUS: list = []  # the shipped corpus sentences, read once


def _corpus() -> list:
    from lurewatch.semantic import probes

    if not _CORPUS:
        _CORPUS.extend(probes.load_corpus())
    return _CORPUS


def _probes(exclude: frozenset, kind: str | None = None) -> tuple:
    """(W, b) of the behaviour probes fitted without the corpus sentences of the `exclude` sets."""
    from lurewatch.semantic import probes

    corpus = _corpus()
    exclude = exclude & {c.set for c in corpus}  # a set with no corpus sentences changes no fit: one fit, not one per set
    if (kind, exclude) not in _PROBES:
        from lurewatch.indicators.engine import default_engine
        from lurewatch.semantic.layer import rule_examples

        layer = _layer(kind)
        sets = probes.training_sets(layer.families, rule_examples(default_engine().documents),
                                    corpus, exclude_sets=sorted(exclude))
        _PROBES[kind, exclude] = _fitted_on_disk(layer.encoder, sets)
    return _PROBES[kind, exclude]


def _fitted_on_disk(encoder, sets) -> tuple:
    """Fit the probes, or read them from an earlier run (a fit costs seconds, and an exact run over four fold
    models needs hundreds): the file is named by the encoder's vector cache name and the training data's key."""
    import hashlib

    from lurewatch.semantic import probes

    key = hashlib.blake2b((cache_name(encoder) + probes.data_key(encoder.name, sets)).encode(), digest_size=12)
    path = cache_dir() / f"lurewatch-train-probes-{key.hexdigest()}.npz"
    if path.is_file():
        with np.load(path) as z:
            return z["W"], z["b"]
    fitted = probes.fit(encoder, sets)
    tmp = path.with_suffix(".part.npz")
    np.savez(tmp, W=fitted.W, b=fitted.b)
    tmp.replace(path)  # whole or absent, for runs side by side
    return fitted.W, fitted.b


def load_crossfit(folder: Path) -> tuple[dict[str, str], str]:
    """The models of `finetune_sentence_model.py --corpus --fold G`, one subfolder each, and the one tuned on every
    set (no --fold): each set maps to the model that never read its sentences; every other row (the held-out sets,
    training sets with no corpus sentences, the harder and development cases: in no model's corpus) is read by the
    model tuned on all."""
    by_set: dict[str, str] = {}
    held = ""
    for sub in sorted(p for p in folder.iterdir() if (p / "training.json").is_file()):
        info = json.loads((sub / "training.json").read_text())
        if not info.get("corpus"):
            continue
        if info.get("excluded_sets"):
            for name in info["excluded_sets"]:
                if name in by_set:
                    sys.exit(f"{name} is left out by two models: {by_set[name]} and {sub}")
                by_set[name] = f"dir:{sub}"
        else:
            held = f"dir:{sub}"
    in_corpus = {c.set for c in _corpus()}
    if not in_corpus:  # a damaged corpus would otherwise send every set to the model tuned on all of them
        sys.exit("--crossfit: the annotated corpus did not load, so the sets the fold models saw are unknown")
    missing = [k for k in BLIND_SETS if k in in_corpus and k not in by_set]
    if missing or not held:
        sys.exit(f"{folder}: no fold model leaves out {missing}" if missing else f"{folder}: no model tuned on every set")
    return by_set, held


def packaged_name(held_dir: str) -> str:
    """The encoder name under which a --crossfit combiner may be written: the model tuned on all must be the
    packaged tuned model, byte for byte, so that the probes and the combiner shipped read what it read."""
    from lurewatch.semantic import encoder

    model = Path(held_dir.removeprefix("dir:")) / "model.onnx"
    if encoder._tuned_model() is None:
        sys.exit(f"--crossfit --write: no tuned model is packaged ({encoder.TUNED_FILE}, pinned in encoder._TUNED_SHA256)")
    if encoder._sha256(model) != encoder._TUNED_SHA256:
        sys.exit(f"--crossfit --write: {model} is not the packaged {encoder.TUNED_FILE} (copy it there and pin its sha256)")
    return encoder.TUNED_NAME


def train_through(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The training and held-out sets when the held-out sets up to `name` (in HELD_OUT_SETS order) join the
    training: each is scored by its stored before-tuning rule findings, like the training sets."""
    if name not in HELD_OUT_SETS:
        sys.exit(f"--train-through: {name} is not a held-out set")
    i = HELD_OUT_SETS.index(name) + 1
    return BLIND_SETS + HELD_OUT_SETS[:i], HELD_OUT_SETS[i:]


def _family_scores(r: Row, exclude: frozenset, kind: str | None = None) -> dict[str, float]:
    if kind is None and CROSSFIT:
        kind = CROSSFIT.get(r.set_name, HELD_DIR[0])
    layer = _layer(kind)
    layer.W, layer.b = _probes(exclude, kind)
    return layer.family_scores(r.approach)[0]


def featurise(rows: list[Row], exclude_of=lambda r: ()) -> list[str]:
    """The combiner's inputs of every row, its semantic ones from probes that never saw the corpus sentences
    of `exclude_of(row)` (a row's own set, and the set left out: the probes are stacked, out of fold)."""
    for r in rows:
        exclude = frozenset(exclude_of(r))
        sem = _family_scores(r, exclude)
        if ENCODER[0] == FUSED:
            sem = fuse_semantic(sem, _family_scores(r, exclude, "static"))
        r.x = features(r.approach, r.findings, r.rules_score, sem)
    names = sorted({k for r in rows for k in r.x or {}})
    return names


def own_set(r: Row, also: str | None = None) -> set[str]:
    out = {r.set_name} if r.set_name in BLIND_SETS else set()
    return out | ({also} if also else set())


def matrix(rows: list[Row], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[(r.x or {}).get(n, 0.0) for n in names] for r in rows])
    y = np.array([r.hostile for r in rows], dtype=int)
    return X, y


def fit(X: np.ndarray, y: np.ndarray, names: list[str]):
    """The combiner over these inputs (`names`: the columns of X, for the trees' monotone constraints)."""
    if MODEL[0] == "trees":
        from sklearn.ensemble import HistGradientBoostingClassifier

        mono = [-1 if n in LOWERING else 0 if n in FREE else 1 for n in names]
        return HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05, max_iter=150, l2_regularization=1.0,
                                              min_samples_leaf=20, monotonic_cst=mono, random_state=0).fit(X, y)
    return LogisticRegression(C=C, max_iter=5000).fit(X, y)


def threshold(legit_probs: np.ndarray, fpr: float) -> float:
    """The smallest probability at which at most `fpr` of these legitimate cases reach it."""
    s = np.sort(legit_probs)[::-1]
    k = int(np.floor(fpr * len(s)))
    return float(min(s[k] + 1e-9, 0.999)) if k < len(s) else 0.5


OOF_X: dict[tuple[str, str], dict[str, float]] = {}  # each case's inputs in the fold that left its set out


def loso(rows: list[Row], sets: list[str]) -> tuple[dict[str, np.ndarray], dict[str, tuple]]:
    """Out-of-fold probabilities per set, and the thresholds chosen inside each fold. For each set left out,
    the semantic inputs come from probes that never saw its corpus sentences (nor, for a training row, its
    own set's)."""
    set_of = np.array([r.set_name if r.set_name in sets else "" for r in rows])
    probs: dict[str, np.ndarray] = {}
    ths: dict[str, tuple] = {}
    quick = featurise(rows, own_set) if QUICK[0] else None
    for k in sets:
        names = quick if quick is not None else featurise(rows, lambda r, k=k: own_set(r, k))
        X, y = matrix(rows, names)
        train = set_of != k
        inner = np.zeros(train.sum())
        Xt, yt, st = X[train], y[train], set_of[train]
        for j in sorted(set(st) - {""}):
            m = st == j
            inner[m] = fit(Xt[~m], yt[~m], names).predict_proba(Xt[m])[:, 1]
        measured = ~np.array([r.train_only for r in rows])[train]
        legit = inner[(yt == 0) & (st != "") & measured]
        tm, th = threshold(legit, MEDIUM_FPR), threshold(legit, HIGH_FPR)
        th = max(th, tm + 1e-6)
        test = (set_of == k) & ~np.array([r.train_only for r in rows])
        OOF_X.update({(k, r.case_id): dict(r.x or {}) for r, t in zip(rows, test, strict=True) if t})
        p = fit(Xt, yt, names).predict_proba(X[test])[:, 1]
        seen = seen_indicators([r for r, t in zip(rows, train, strict=True) if t])
        probs[k] = np.array([final_probability(pi, r, seen, tm, th)
                             for pi, r in zip(p, [r for r, t in zip(rows, test, strict=True) if t], strict=True)])
        ths[k] = (tm, th)
    return probs, ths


def export_trees(clf, names: list[str]) -> dict:
    """The fitted trees as plain lists (scikit-learn keeps them in a private structure, `_predictors`): per tree
    the split feature, threshold, children, whether a node is a leaf, its value (leaves, already shrunk) and
    its training count. Checked here against scikit-learn's own prediction before it is written."""
    out = []
    for (pred,) in clf._predictors:
        nd = pred.nodes
        out.append({"feature": [names[int(i)] for i in nd["feature_idx"]],
                    "threshold": [float(t) for t in nd["num_threshold"]],
                    "left": [int(i) for i in nd["left"]], "right": [int(i) for i in nd["right"]],
                    "leaf": [bool(b) for b in nd["is_leaf"]], "value": [float(v) for v in nd["value"]],
                    "count": [int(c) for c in nd["count"]]})
    doc = {"base": float(np.ravel(clf._baseline_prediction)[0]), "trees": out}
    from lurewatch.learned.trees import TreeEnsemble

    ens = TreeEnsemble(doc)
    rng = np.random.default_rng(0)
    X = rng.random((200, len(names))) * 2
    want = clf.decision_function(X)
    got = np.array([ens.raw({n: float(v) for n, v in zip(names, row, strict=True)}) for row in X])
    if not np.allclose(want, got, atol=1e-6):
        sys.exit(f"exported trees disagree with scikit-learn (max {np.abs(want - got).max():.2e})")
    return doc


def seen_indicators(rows: list[Row]) -> set[str]:
    return {k for k, n in Counter(f.indicator for r in rows for f in r.findings).items() if n >= MIN_SUPPORT}


def final_probability(p: float, r: Row, seen: set[str], tm: float, th: float) -> float:
    """The product's policy on top of the model (lurewatch.learned.combiner.apply_combined), expressed on
    the probability scale: the floor of unseen evidence and the cap without behaviour."""
    floor = policy_floor(r.findings, seen)
    if floor >= 60:
        p = max(p, th)
    elif floor >= 30:
        p = max(p, tm)
    sem = {k[4:]: v for k, v in (r.x or {}).items() if k.startswith("sem:")}
    if not has_behaviour(r.findings, sem):
        p = min(p, tm - 1e-9)
    return p


def table(rows: list[Row], probs: dict[str, np.ndarray], ths: dict[str, tuple]) -> list[dict]:
    out = []
    by_set: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if not r.train_only:
            by_set[r.set_name].append(r)
    for k, rs in by_set.items():
        if k not in probs:
            continue
        p, (tm, th) = probs[k], ths[k]
        h = [i for i, r in enumerate(rs) if r.hostile]
        lg = [i for i, r in enumerate(rs) if not r.hostile]
        out.append({
            "set": k, "adversarial": k in ADVERSARIAL_SETS, "hostile": len(h), "legit": len(lg),
            "rules_hostile_flagged": sum(rs[i].rules_level != "low" for i in h),
            "rules_legit_flagged": sum(rs[i].rules_level != "low" for i in lg),
            "rules_legit_high": sum(rs[i].rules_level == "high" for i in lg),
            "hostile_flagged": int(sum(p[i] >= tm for i in h)), "legit_flagged": int(sum(p[i] >= tm for i in lg)),
            "legit_high": int(sum(p[i] >= th for i in lg)),
            "missed": [rs[i].case_id for i in h if p[i] < tm],
            "false_positives": [rs[i].case_id for i in lg if p[i] >= tm],
        })
    return out


def base_rate_curve(p: np.ndarray, y: np.ndarray) -> list[str]:
    """Precision at 1 hostile in 100 and in 1,000 approaches, from the out-of-fold probabilities: for a
    range of thresholds, the true and false positive rates measured, then Bayes at that base rate."""
    out = ["| threshold (probability) | hostile flagged (TPR) | legitimate flagged (FPR) | precision at 1:100 | "
           "precision at 1:1,000 |", "|---|---|---|---|---|"]
    for t in (0.2, 0.3, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.88, 0.95):
        tpr = float((p[y == 1] >= t).mean())
        fpr = float((p[y == 0] >= t).mean())
        prec = [pi * tpr / (pi * tpr + (1 - pi) * fpr) if tpr + fpr else float("nan") for pi in (0.01, 0.001)]
        out.append(f"| {t:.2f} | {tpr:.3f} | {fpr:.3f} | {prec[0]:.3f} | {prec[1]:.4f} |")
    return out


def report(results: list[dict], held: list[dict], model: dict, curve: list[str] | None = None) -> str:
    lines = [f"Measured {date.today()} by scripts/train_combiner.py (leave one set out; thresholds chosen inside "
             f"each fold for {MEDIUM_FPR:.0%} / {HIGH_FPR:.0%} false positives at medium / high).", "",
             "| set | hostile flagged: rules before tuning | combiner, set left out | legitimate flagged: rules | "
             "combiner | legitimate high: rules | combiner |", "|---|---|---|---|---|---|---|"]
    for r in results + held:
        tag = (" (adversarial)" if r["adversarial"] else "") + (" (held out: the exported model)" if r in held else "")
        lines.append(f"| {r['set']}{tag} | {r['rules_hostile_flagged']}/{r['hostile']} | {r['hostile_flagged']}/{r['hostile']}"
                     f" | {r['rules_legit_flagged']}/{r['legit']} | {r['legit_flagged']}/{r['legit']}"
                     f" | {r['rules_legit_high']}/{r['legit']} | {r['legit_high']}/{r['legit']} |")
    if curve:
        lines += ["", "Precision at realistic base rates (every training blind set, each scored by the model fitted without it, "
                  "with the policy applied):", ""] + curve
    lines += ["", "Coefficients of the exported model (log-odds per unit of the input):", "",
              "| input | coefficient |", "|---|---|"]
    for k, v in sorted(model["coefficients"].items(), key=lambda kv: -abs(kv[1])):
        lines.append(f"| `{k}` | {v:+.3f} |")
    lines.append(f"| intercept | {model['intercept']:+.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="write src/lurewatch/models/combiner-<encoder>.json")
    ap.add_argument("--report", type=Path, help="write the measurement as markdown")
    ap.add_argument("--encoder", default="auto", help="the semantic layer's encoder: auto, static, base (the untuned "
                    "model), full (the tuned model when one ships, then only with --crossfit), or fused (the full model's families and the static "
                    "table's beside them; a measurement, not with --write)")
    ap.add_argument("--dump-oof", type=Path, help="write each blind case's out-of-fold probability and its fold's "
                    "thresholds as JSON lines (for comparing models case by case); the held-out cases' go beside it, "
                    "in the same name with the suffix .held.jsonl")
    ap.add_argument("--quick", action="store_true",
                    help="probes fitted without each row's own set only (one fit per set, not one per pair): a training "
                    "row's inputs then come from probes that saw the set left out, a small leak, so use it to compare "
                    "inputs or encoders side by side, never for the figures that count")
    ap.add_argument("--model", choices=["logistic", "trees"], default="logistic",
                    help="trees: gradient-boosted trees (depth 3, monotone in every red flag) over the same inputs; a "
                    "measurement, not with --write (the product scores with the logistic model)")
    ap.add_argument("--export-trees", type=Path, help="with --model trees: write the fitted trees as a combiner file here")
    ap.add_argument("--crossfit", type=Path, help="a folder of tuned full models, one per fold of the sets plus one "
                    "tuned on all (scripts/finetune_sentence_model.py --corpus [--fold G]): each row's sentences are "
                    "read by the model that never saw its set; with --write, the one tuned on all must be the packaged "
                    "model, and the combiner is written under its name")
    ap.add_argument("--train-through", metavar="SET", help="the held-out sets up to SET join the training, the "
                    "later ones stay held out (sixth session of 7 December: blind56; with --crossfit the training sets "
                    "are already 1-56); a measurement, not with --write")
    ap.add_argument("--with-current", action="store_true", help="also train on sets 1-9 as scored by today's rules (measured: no better)")
    args = ap.parse_args()
    global BLIND_SETS, HELD_OUT_SETS
    if args.crossfit:  # the tuned model's combiner: sets 29-56 train it too (lurewatch.learned.labelled)
        BLIND_SETS, HELD_OUT_SETS = TUNED_TRAINING_SETS, TUNED_HELD_OUT_SETS
    if args.train_through:
        if args.write:
            sys.exit("--train-through is a measurement: the shipped combiner trains on BLIND_SETS (lurewatch.learned.labelled)")
        BLIND_SETS, HELD_OUT_SETS = train_through(args.train_through)
    ENCODER[0] = args.encoder
    if args.encoder == FUSED and args.write:
        sys.exit("--encoder fused is a measurement: the product reads no fused model (docs/detection-quality.md)")
    MODEL[0] = args.model
    if args.crossfit:
        if args.encoder != "full":
            sys.exit("--crossfit reads tuned full models: use it with --encoder full")
        by_set, HELD_DIR[0] = load_crossfit(args.crossfit)
        CROSSFIT.update(by_set)
        if args.write:
            WRITE_NAME[0] = packaged_name(HELD_DIR[0])
    elif args.encoder == "full" and _layer("full").encoder.name != BASE_NAME:
        sys.exit("the tuned model read the training sets' sentences: measure it with --crossfit DIR (its rows read by "
                 "models that never saw their sets), or the untuned model with --encoder base")
    if args.model == "trees" and args.write:
        sys.exit("--model trees is a measurement: the product reads only the logistic model")
    if args.export_trees and args.model != "trees":
        sys.exit("--export-trees needs --model trees")
    CURRENT[0] = args.with_current
    QUICK[0] = args.quick
    rows = prior_rows() + (current_rows() if CURRENT[0] else []) + extra_rows()
    print("encoder:", _encoder_name(), file=sys.stderr)
    probs, ths = loso(rows, list(BLIND_SETS))
    results = table(rows, probs, ths)
    if args.dump_oof:
        with open(args.dump_oof, "w", encoding="utf-8") as fh:
            for k in BLIND_SETS:
                rs = [r for r in rows if r.set_name == k and not r.train_only]
                for r, p in zip(rs, probs[k], strict=True):
                    fh.write(json.dumps({"set": k, "id": r.case_id, "hostile": bool(r.hostile), "p": float(p),
                                         "medium": ths[k][0], "high": ths[k][1],
                                         "x": OOF_X.get((k, r.case_id), {})}) + "\n")
    names = featurise(rows, own_set)  # the exported model: each row's semantic inputs out of its own set
    X, y = matrix(rows, names)
    rows_b = [r for r in rows if r.set_name in BLIND_SETS and not r.train_only]
    oof = np.concatenate([probs[k] for k in BLIND_SETS])
    yo = np.concatenate([[r.hostile for r in rows_b if r.set_name == k] for k in BLIND_SETS])
    tm, th = threshold(oof[yo == 0], MEDIUM_FPR), threshold(oof[yo == 0], HIGH_FPR)
    final = fit(X, y, names)
    trees = MODEL[0] == "trees"  # no coefficients: the held-out sets are scored by the fitted trees below
    model = {"format": FORMAT, "version": 1, "trained": str(date.today()), "features": names,
             "coefficients": {} if trees else {n: round(float(c), 4) for n, c in zip(names, final.coef_[0], strict=True)},
             "intercept": 0.0 if trees else round(float(final.intercept_[0]), 4),
             "thresholds": {"medium": round(tm, 4), "high": round(max(th, tm + 1e-4), 4),
                            "medium_fpr": MEDIUM_FPR, "high_fpr": HIGH_FPR},
             "indicators_seen": sorted(seen_indicators(rows)),
             "trained_on": {k: sum(r.set_name == k for r in rows) for k in dict.fromkeys(r.set_name for r in rows)},
             "loso": results}
    held: list[dict] = []
    hrows = held_out_rows()
    if hrows:
        featurise(hrows)  # the shipped probes (every training set's sentences)
        comb = Combiner(model)
        hp: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(0))
        for k in sorted({r.set_name for r in hrows}):
            rs = [r for r in hrows if r.set_name == k]
            raw = (final.predict_proba(matrix(rs, names)[0])[:, 1] if trees
                   else [comb.combine(r.x or {}).probability for r in rs])
            hp[k] = np.array([final_probability(float(pi), r, comb.indicators_seen, comb.t_medium, comb.t_high)
                              for pi, r in zip(raw, rs, strict=True)])
        held = table(hrows, dict(hp), {k: (comb.t_medium, comb.t_high) for k in hp})
        if args.dump_oof:  # the held-out cases beside the out-of-fold ones, for the same case-by-case comparisons
            with open(args.dump_oof.with_suffix(".held.jsonl"), "w", encoding="utf-8") as fh:
                for k in sorted(hp):
                    for r, p in zip([r for r in hrows if r.set_name == k], hp[k], strict=True):
                        fh.write(json.dumps({"set": k, "id": r.case_id, "hostile": bool(r.hostile), "p": float(p),
                                             "medium": comb.t_medium, "high": comb.t_high, "x": r.x or {}}) + "\n")
        model["held_out"] = held
    for r in results + held:
        print(f"{r['set']:8s} hostile {r['rules_hostile_flagged']:2d}->{r['hostile_flagged']:2d}/{r['hostile']:2d}  "
              f"legit flagged {r['rules_legit_flagged']:2d}->{r['legit_flagged']:2d}/{r['legit']:2d}  "
              f"high {r['rules_legit_high']}->{r['legit_high']}  missed {r['missed']} fp {r['false_positives']}")
    print("thresholds", model["thresholds"], "intercept", model["intercept"])
    for k, v in sorted(model["coefficients"].items(), key=lambda kv: -abs(kv[1])):
        print(f"  {k:24s} {v:+.3f}")
    if trees and args.export_trees:
        model["trees"] = export_trees(final, names)
        args.export_trees.write_text(json.dumps(model, indent=1) + "\n")
    if args.write:
        name = _encoder_name()
        model["encoder"] = name
        (ROOT / f"src/lurewatch/models/combiner-{name}.json").write_text(json.dumps(model, indent=1) + "\n")
    if args.report:
        args.report.write_text(report(results, held, model, base_rate_curve(oof, yo)))


if __name__ == "__main__":
    main()
