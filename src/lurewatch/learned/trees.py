"""Gradient-boosted trees exported as plain lists, evaluated and explained in plain Python.

A measurement of `scripts/train_combiner.py --model trees` (docs/detection-quality.md): the product scores
with the logistic combiner. Each tree splits on one input at a time (left when the value is at most the
threshold, as scikit-learn's HistGradientBoostingClassifier does); the raw score is the baseline plus every
tree's leaf.

Explaining a tree's output by the path it took (Saabas): every split moves the expected value from the
node's to the child's, and that change is the split input's share. A node's expected value is the
training-count-weighted mean of its leaves, so the shares of one tree add up exactly to its leaf minus its
root's expectation, and the raw score is `expected + sum(terms)`. (Written here because scikit-learn has no
attribution for its trees and the `shap` package would pull in numba for a few dozen lines.)
"""

from __future__ import annotations

from typing import Any


class _Tree:
    __slots__ = ("feature", "threshold", "left", "right", "leaf", "expect")

    def __init__(self, t: dict[str, Any]) -> None:
        n = len(t["leaf"])
        if not all(len(t[k]) == n for k in ("feature", "threshold", "left", "right", "value", "count")):
            raise ValueError("tree arrays of different lengths")
        self.feature = [str(f) for f in t["feature"]]
        self.threshold = [float(v) for v in t["threshold"]]
        self.left = [int(i) for i in t["left"]]
        self.right = [int(i) for i in t["right"]]
        self.leaf = [bool(b) for b in t["leaf"]]
        value = [float(v) for v in t["value"]]
        count = [max(int(c), 0) for c in t["count"]]
        for i in range(n):
            # children are numbered after their parent (as scikit-learn writes them): no loop, one pass below
            if not self.leaf[i] and not (i < self.left[i] < n and i < self.right[i] < n):
                raise ValueError("tree child out of range")
        # Expected value of every node: its leaves' values weighted by their training counts (one pass from
        # the end, since children come after their parent).
        self.expect = value[:]
        weight = [float(c) for c in count]
        for i in range(n - 1, -1, -1):
            if not self.leaf[i]:
                a, b = self.left[i], self.right[i]
                w = weight[a] + weight[b]
                self.expect[i] = (weight[a] * self.expect[a] + weight[b] * self.expect[b]) / w if w else 0.0
                weight[i] = w

    def walk(self, x: dict[str, float], terms: dict[str, float] | None) -> float:
        i = 0
        for _ in range(64):  # depth bound: a damaged file cannot loop
            if self.leaf[i]:
                return self.expect[i]
            f = self.feature[i]
            j = self.left[i] if x.get(f, 0.0) <= self.threshold[i] else self.right[i]
            if terms is not None:
                terms[f] = terms.get(f, 0.0) + self.expect[j] - self.expect[i]
            i = j
        raise ValueError("tree deeper than 64")


class TreeEnsemble:
    """`doc`: {"base": raw baseline, "trees": [{feature, threshold, left, right, leaf, value, count}, ...]}."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.base = float(doc["base"])
        self.trees = [_Tree(t) for t in doc["trees"]]
        self.expected = self.base + sum(t.expect[0] for t in self.trees)  # the raw score of an average case

    def raw(self, x: dict[str, float]) -> float:
        return self.base + sum(t.walk(x, None) for t in self.trees)

    def terms(self, x: dict[str, float]) -> tuple[float, dict[str, float]]:
        """(raw score, each input's share of raw - expected)."""
        terms: dict[str, float] = {}
        z = self.base + sum(t.walk(x, terms) for t in self.trees)
        return z, {k: v for k, v in terms.items() if v}
