"""The Spark engine gives exactly the local engine's campaigns (Spark in local[2]; needs a JVM)."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def spark():  # noqa: ANN201
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime")
    from lurewatch.linking.spark import session

    s = session("local[2]")
    yield s
    s.stop()


def _generator():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("gen_campaigns", BENCH / "gen_campaigns.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gen_campaigns"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_spark_and_local_give_identical_campaigns(spark, tmp_path) -> None:  # noqa: ANN001
    from lurewatch.linking import extract_jsonl, link_records
    from lurewatch.linking.spark import link_spark_jsonl

    path = tmp_path / "gen.jsonl"
    _generator().write(2500, path, orgs=15, seed=11, faces=False)
    local = link_records(extract_jsonl([path], workers=1))
    remote = link_spark_jsonl([path], master="local[2]")
    assert len(local) > 20
    kinds = {e["kind"] for c in local for e in c["edges"]}
    assert {"same_sender", "template", "employer", "photo_pdq"} <= kinds
    assert json.dumps(local, sort_keys=True) == json.dumps(remote, sort_keys=True)


def test_large_star_small_star_matches_scipy(spark) -> None:  # noqa: ANN001
    from lurewatch.linking.campaigns import Edge
    from lurewatch.linking.local import components
    from lurewatch.linking.spark import connected_components

    rng = random.Random(5)
    nodes = [f"n{i:03d}" for i in range(300)]
    pairs = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(260)]
    pairs += [(nodes[i], nodes[i + 1]) for i in range(200, 260)]  # a long chain
    pairs = [(a, b) for a, b in pairs if a != b]
    want = components(nodes, [Edge(a, b, "k", 1, "", "", "") for a, b in pairs])
    df = spark.createDataFrame(pairs, "u string, v string")
    got = {r["node"]: r["label"] for r in connected_components(df).collect()}
    assert got == {n: lab for n, lab in want.items() if n in got}
    assert set(got) == {n for p in pairs for n in p}


def test_spark_and_local_identical_on_rotated_personas(spark, tmp_path) -> None:  # noqa: ANN001
    """The harder generator (script and claimed-organisation edges): the same JSON on both engines."""
    from lurewatch.linking import extract_jsonl, link_records
    from lurewatch.linking.spark import link_spark_jsonl

    spec = importlib.util.spec_from_file_location("gen_rotation", BENCH / "gen_rotation.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from tests.test_link import ap

    data = mod.generate(1500, seed=3)
    # infrastructure on shared services, and organisations named in profiles and texts (rarity tiers)
    links = ("calendly.com/tarrow-desk", "https://www.dropbox.com/s/k2j4h5g6/brief.pdf", "zoom.us/j/93012345678",
             "tarrow-forum.github.io", "https://docs.google.com/forms/d/e/1FAIpQLSfAbc123/viewform")
    for i in range(30):
        extra = {"sender_employer": "Quarry Ridge Institute"} if i % 3 == 0 else {}
        text = f"I'm writing on behalf of Quarry Ridge Institute. Details: {links[i % 5]} (persona {i})"
        data.append(ap(text, f"https://linkedin.com/in/infra-{i}", level="high" if i % 2 else "low",
                       owner_org=f"Org {i % 4}", when=f"2025-03-0{1 + i % 3}T10:00:00+00:00", **extra))
    path = tmp_path / "rot.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in data))
    local = link_records(extract_jsonl([path], workers=1))
    remote = link_spark_jsonl([path], master="local[2]")
    found = {e["kind"] for c in local for e in c["edges"]}
    assert {"script", "claimed-org", "employer", "infrastructure"} <= found, found
    assert json.dumps(local, sort_keys=True) == json.dumps(remote, sort_keys=True)
