"""The gradient-boosted trees of `scripts/train_combiner.py --model trees`: exported as plain lists, they give
scikit-learn's own raw score, their path shares add up to it, and the monotone constraints hold."""

from __future__ import annotations

import numpy as np
import pytest

from lurewatch.learned.trees import TreeEnsemble


@pytest.fixture(scope="module")
def fitted(load_script):
    tc = load_script("train_combiner")
    rng = np.random.default_rng(3)
    names = ["rules", "sem:LW-SEM-REQ", "cat:legitimacy", "owner_replied", "sem:LW-SEM-PAY"]
    X = rng.random((1200, len(names)))
    z = 2.5 * X[:, 0] + 2.0 * X[:, 1] * X[:, 4] - 2.0 * X[:, 2] + rng.normal(0, 0.4, len(X))
    y = (z > 1.2).astype(int)
    tc.MODEL[0] = "trees"
    try:
        clf = tc.fit(X, y, names)
        doc = tc.export_trees(clf, names)
    finally:
        tc.MODEL[0] = "logistic"
    return clf, doc, names, X


def test_exported_trees_give_scikit_learns_score_and_shares_that_add_up(fitted):
    clf, doc, names, X = fitted
    ens = TreeEnsemble(doc)
    want = clf.decision_function(X[:50])
    for row, w in zip(X[:50], want, strict=True):
        z, terms = ens.terms({n: float(v) for n, v in zip(names, row, strict=True)})
        assert z == pytest.approx(w, abs=1e-9)
        assert ens.expected + sum(terms.values()) == pytest.approx(z, abs=1e-9)


def test_a_red_flag_never_lowers_the_score_and_a_sign_of_legitimacy_never_raises_it(fitted):
    _clf, doc, names, X = fitted
    ens = TreeEnsemble(doc)
    for row in X[:100]:
        x = {n: float(v) for n, v in zip(names, row, strict=True)}
        base = ens.raw(x)
        assert ens.raw({**x, "rules": x["rules"] + 0.5}) >= base - 1e-12
        assert ens.raw({**x, "sem:LW-SEM-REQ": 1.0}) >= base - 1e-12
        assert ens.raw({**x, "cat:legitimacy": x["cat:legitimacy"] + 0.5}) <= base + 1e-12


def test_a_damaged_tree_file_is_refused():
    tree = {"feature": ["rules", "", ""], "threshold": [0.5, 0, 0], "left": [1, 0, 0], "right": [7, 0, 0],
            "leaf": [False, True, True], "value": [0, -1, 1], "count": [10, 5, 5]}
    with pytest.raises(ValueError):
        TreeEnsemble({"base": 0.0, "trees": [tree]})
    with pytest.raises(ValueError):
        TreeEnsemble({"base": 0.0, "trees": [{**tree, "right": [2, 0, 0], "count": [10, 5]}]})
    with pytest.raises(ValueError):  # a child before its parent (a loop)
        TreeEnsemble({"base": 0.0, "trees": [{**tree, "right": [2, 0, 0], "leaf": [False, False, True],
                                              "left": [1, 0, 0]}]})
