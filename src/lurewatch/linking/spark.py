"""The Spark engine: the same evidence and merge rule as the local engine, as PySpark DataFrame operations.

Features are extracted by the shared Python code (mapInPandas), MinHash LSH banding is a group-by on band
keys, pairs are verified by the same exact functions (UDFs), and connected components use the
large-star / small-star algorithm (GraphFrames needs a JAR we cannot fetch). The driver then builds the
campaign objects with the same code as the local engine, so both engines give identical JSON.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lurewatch.linking import evidence as ev
from lurewatch.linking.campaigns import Edge, build_campaigns
from lurewatch.linking.features import Record

MAX_CC_ROUNDS = 100

_FEATURE_SCHEMA = (
    "ord long, approach_id string, node string, sender string, sender_label string, owner string, org string, "
    "sector string, t long, level string, score int, conversation_id string, excerpt string, tid string, "
    "shingles binary, bands array<long>, keys array<string>, pdq string, employer string, claim string, flagged boolean"
)
_RECORD_FIELDS = ("approach_id", "node", "sender", "sender_label", "owner", "org", "sector", "t", "level", "score",
                  "conversation_id", "excerpt")


def session(master: str | None = None, app_name: str = "lurewatch-link"):  # noqa: ANN201 - SparkSession
    """A Spark session bound to 127.0.0.1 with small shuffles and no UI (local[*] unless told)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    if os.environ.get("PYSPARK_GATEWAY_PORT") and not master:
        # under spark-submit: the cluster's master, addresses and memory come from spark-submit's settings
        spark = (SparkSession.builder.appName(app_name)
                 .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                 .config("spark.sql.adaptive.enabled", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        return spark
    spark = (
        SparkSession.builder.master(master or "local[*]")
        .appName(app_name)
        .config("spark.sql.shuffle.partitions", os.environ.get("LUREWATCH_SPARK_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", os.environ.get("LUREWATCH_SPARK_DRIVER_MEMORY", "4g"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.python.worker.reuse", "true")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _features(rows: Iterator[Any]) -> Iterator[tuple]:
    """mapPartitions: (ord, JSON line) -> one tuple of linking features per approach (the shared extraction)."""
    from lurewatch.linking.features import extract, unpack_bands
    from lurewatch.linking.inputs import MAX_LINE_BYTES, parse_line

    for ord_, value in rows:
        data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
        if len(data) > MAX_LINE_BYTES:
            continue
        obj = parse_line(data)
        if isinstance(obj, str):
            continue
        try:
            r = extract(obj)
        except (ValueError, TypeError):
            continue
        yield (int(ord_), r.approach_id, r.node, r.sender, r.sender_label, r.owner, r.org, r.sector, r.t,
               r.level, r.score, r.conversation_id, r.excerpt, r.tid, bytearray(r.shingles) if r.shingles else None,
               list(unpack_bands(r.bands)) if r.bands else None, r.keys, r.pdq, r.employer, r.claim, r.flagged)


def _udfs():  # noqa: ANN202
    from pyspark.sql import functions as F
    from pyspark.sql.types import (
        DoubleType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    from lurewatch.linking.employer import cluster_employers  # noqa: F401 - imported for the workers
    from lurewatch.linking.features import unpack
    from lurewatch.linking.photos import hamming

    def key_kind(key: str) -> str:
        return key.split("\t", 1)[0]

    def key_strength(key: str) -> int:
        return ev.STRENGTH[key.split("\t", 1)[0]]

    def key_evidence(key: str) -> str:
        kind, value = key.split("\t", 1)
        return ev.pivot_evidence(kind, value)

    def jac(a: bytes, b: bytes) -> float:
        return ev.jaccard_sets(frozenset(unpack(a)), frozenset(unpack(b)))

    def nsh(a: bytes) -> int:
        return len(set(unpack(a)))

    burst_type = StructType([StructField("secs", LongType()), StructField("a", StringType()),
                             StructField("b", StringType()), StructField("org", StringType())])

    def burst(va: list, vb: list) -> tuple | None:
        hit = ev.burst([(v["org"], v["t"], v["aid"]) for v in va], [(v["org"], v["t"], v["aid"]) for v in vb])
        return None if hit is None else (hit[0], hit[1], hit[2], hit[3])

    return {
        "kind": F.udf(key_kind, StringType()),
        "strength": F.udf(key_strength, IntegerType()),
        "key_evidence": F.udf(key_evidence, StringType()),
        "hamming": F.udf(hamming, IntegerType()),
        "pdq_evidence": F.udf(ev.pdq_evidence, StringType()),
        "jaccard": F.udf(jac, DoubleType()),
        "n_shingles": F.udf(nsh, IntegerType()),
        "template_strength": F.udf(ev.template_strength, IntegerType()),
        "template_evidence": F.udf(ev.template_evidence, StringType()),
        "employer_evidence": F.udf(ev.employer_evidence, StringType()),
        "claim_strength": F.udf(ev.claim_strength, IntegerType()),
        "claim_evidence": F.udf(ev.claim_evidence, StringType()),
        "burst": F.udf(burst, burst_type),
        "burst_evidence": F.udf(ev.burst_evidence, StringType()),
    }


_EDGE_COLS = ("node_a", "node_b", "kind", "strength", "evidence", "a", "b")


def _strong_edges(feats, U):  # noqa: ANN001, ANN202, N803
    from pyspark.sql import functions as F

    # as local.strong_key_edges: a script key of an unflagged approach only counts and links to a flagged centre
    kn = (feats.select("node", "approach_id", "flagged", F.explode("keys").alias("key"))
          .withColumn("no", ~(F.col("flagged") | ~F.col("key").startswith("script\t")))
          .groupBy("key", "node").agg(F.min(F.struct("no", "approach_id")).alias("m"))
          .select("key", "node", F.col("m.no").alias("no"), F.col("m.approach_id").alias("aid")))
    cnt = (kn.groupBy("key").agg(F.count("*").alias("n"), F.min(F.when(~F.col("no"), F.col("node"))).alias("center"))
           .where((F.col("n") >= 2) & F.col("center").isNotNull()))
    limit = F.lit(ev.MAX_KEY_NODES)
    for kind, n in sorted(ev.MAX_NODES.items()):
        limit = F.when(F.col("key").startswith(kind + "\t"), F.lit(n)).otherwise(limit)
    cnt = cnt.where(F.col("n") <= limit)
    j = kn.join(cnt, "key")
    centers = j.where(F.col("node") == F.col("center")).select("key", F.col("aid").alias("caid"))
    return (j.where(F.col("node") != F.col("center")).join(centers, "key")
            .select(F.col("center").alias("node_a"), F.col("node").alias("node_b"), U["kind"]("key").alias("kind"),
                    U["strength"]("key").alias("strength"), U["key_evidence"]("key").alias("evidence"),
                    F.col("caid").alias("a"), F.col("aid").alias("b")))


def _pdq_edges(feats, U):  # noqa: ANN001, ANN202, N803
    from pyspark.sql import functions as F

    from lurewatch.linking.photos import PDQ_CHUNKS, PDQ_MAX_DISTANCE

    owner = (feats.where(F.col("pdq").isNotNull()).groupBy("pdq")
             .agg(F.min(F.struct("node", "approach_id")).alias("o"))
             .select("pdq", F.col("o.node").alias("node"), F.col("o.approach_id").alias("aid")))
    chunks = F.array(*[F.concat(F.lit(f"{i:02d}"), F.substring("pdq", i * 4 + 1, 4)) for i in range(PDQ_CHUNKS)])
    ck = owner.select("pdq", F.explode(chunks).alias("ck"))
    ok = ck.groupBy("ck").agg(F.count("*").alias("n")).where((F.col("n") > 1) & (F.col("n") <= ev.MAX_KEY_NODES))
    ck = ck.join(ok.select("ck"), "ck")
    pairs = (ck.alias("x").join(ck.alias("y"), "ck").where(F.col("x.pdq") < F.col("y.pdq"))
             .select(F.col("x.pdq").alias("h1"), F.col("y.pdq").alias("h2")).distinct()
             .withColumn("d", U["hamming"]("h1", "h2")).where(F.col("d") <= PDQ_MAX_DISTANCE))
    o1, o2 = owner.alias("o1"), owner.alias("o2")
    return (pairs.join(o1, F.col("h1") == F.col("o1.pdq")).join(o2, F.col("h2") == F.col("o2.pdq"))
            .select(F.col("o1.node").alias("node_a"), F.col("o2.node").alias("node_b"),
                    F.lit("photo_pdq").alias("kind"), F.lit(ev.STRENGTH["photo_pdq"]).alias("strength"),
                    U["pdq_evidence"]("d", "h1", "h2").alias("evidence"),
                    F.col("o1.aid").alias("a"), F.col("o2.aid").alias("b")))


def _template_edges(feats, U):  # noqa: ANN001, ANN202, N803
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    t = feats.where(F.col("tid").isNotNull())
    uses = (t.groupBy("tid").agg(F.count("*").alias("n"), F.sum(F.col("flagged").cast("int")).alias("f"))
            .select("tid", (F.col("f") >= ev.TEMPLATE_FLAGGED_SHARE * F.col("n")).alias("tflag")))
    nt = (t.groupBy("node", "tid").agg(F.min("approach_id").alias("aid"), F.first("shingles").alias("sh"),
                                      F.first("bands").alias("bands"))
          .join(uses, "tid"))
    nt = (nt.withColumn("rk", F.row_number().over(Window.partitionBy("node").orderBy("tid")))
          .where(F.col("rk") <= ev.MAX_TIDS_PER_NODE).drop("rk").cache())
    rows = nt.select("node", "tid", "tflag", F.posexplode("bands").alias("bidx", "key"))
    stats = rows.groupBy("bidx", "key").agg(F.countDistinct("node").alias("nn")).where(F.col("nn") >= 2)
    rows = rows.join(stats, ["bidx", "key"])
    common = rows.where(F.col("nn") > ev.MAX_TEMPLATE_NODES).select("tid").distinct()
    live = (rows.where(F.col("nn") <= ev.MAX_TEMPLATE_NODES).join(common, "tid", "left_anti")
            .groupBy("bidx", "key", "node").agg(F.min(F.struct((~F.col("tflag")).alias("nf"), "tid")).alias("r"))
            .select("bidx", "key", "node", F.col("r.tid").alias("tid")))
    x, y = live.alias("x"), live.alias("y")
    pairs = (x.join(y, ["bidx", "key"]).where(F.col("x.node") < F.col("y.node"))
             .select(F.col("x.node").alias("n1"), F.col("x.tid").alias("t1"),
                     F.col("y.node").alias("n2"), F.col("y.tid").alias("t2")).distinct())
    a, b = nt.alias("a"), nt.alias("b")
    v = (pairs.join(a, (F.col("n1") == F.col("a.node")) & (F.col("t1") == F.col("a.tid")))
         .join(b, (F.col("n2") == F.col("b.node")) & (F.col("t2") == F.col("b.tid")))
         .select("n1", "n2", F.col("a.aid").alias("aa"), F.col("b.aid").alias("ba"),
                 U["jaccard"]("a.sh", "b.sh").alias("j"), U["n_shingles"]("a.sh").alias("la"),
                 U["n_shingles"]("b.sh").alias("lb"), (F.col("a.tflag") & F.col("b.tflag")).alias("both"))
         .where(F.col("j") >= ev.TEMPLATE_JACCARD_MIN))
    return v.select(F.col("n1").alias("node_a"), F.col("n2").alias("node_b"), F.lit("template").alias("kind"),
                    U["template_strength"]("j", "la", "lb", "both").alias("strength"),
                    U["template_evidence"]("j", "la", "lb", "both").alias("evidence"),
                    F.col("aa").alias("a"), F.col("ba").alias("b"))


def _employer_edges(spark, feats, U):  # noqa: ANN001, ANN202, N803
    """Profile employers and claimed organisations, clustered together: "employer" and "claimed-org" edges
    (the same rule as local.employer_candidates)."""
    from pyspark.sql import functions as F

    from lurewatch.linking.employer import cluster_employers

    mentions = F.array(F.struct(F.lit("profile").alias("src"), F.col("employer").alias("name")),
                       F.struct(F.lit("text").alias("src"), F.col("claim").alias("name")))
    first = (feats.select("node", "approach_id", F.explode(mentions).alias("m"))
             .select("node", "approach_id", "m.src", "m.name").where(F.col("name") != "")
             .groupBy("node", "src", "name").agg(F.min("approach_id").alias("aid")).cache())
    names = [r[0] for r in first.select("name").distinct().collect()]
    mapping = cluster_employers(names)
    if not mapping:
        return None
    cl = spark.createDataFrame(sorted(mapping.items()), "name string, cluster string")
    g = (first.join(F.broadcast(cl), "name").groupBy("cluster", "node", "src")
         .agg(F.min(F.struct("name", "aid")).alias("m"))
         .groupBy("cluster", "node")
         .agg(F.max(F.when(F.col("src") == "profile", F.col("m"))).alias("p"),
              F.max(F.when(F.col("src") == "text", F.col("m"))).alias("t")))
    ok = (g.groupBy("cluster").agg(F.count("*").alias("n"))
          .where((F.col("n") >= 2) & (F.col("n") <= ev.MAX_EMPLOYER_NODES)))
    g = g.join(ok, "cluster")
    x, y = g.alias("x"), g.alias("y")
    pairs = x.join(y, "cluster").where(F.col("x.node") < F.col("y.node"))
    employer = (pairs.where(F.col("x.p").isNotNull() & F.col("y.p").isNotNull())
                .select(F.col("x.node").alias("node_a"), F.col("y.node").alias("node_b"),
                        F.lit("employer").alias("kind"), F.lit(ev.STRENGTH["employer"]).alias("strength"),
                        U["employer_evidence"]("x.p.name", "y.p.name").alias("evidence"),
                        F.col("x.p.aid").alias("a"), F.col("y.p.aid").alias("b")))

    def side(t: str) -> tuple:  # the text claim if any, else the profile employer
        src = F.when(F.col(f"{t}.t").isNotNull(), F.lit("text")).otherwise(F.lit("profile"))
        m = F.coalesce(F.col(f"{t}.t"), F.col(f"{t}.p"))
        return F.concat(src, F.lit(":"), m.getField("name")), m.getField("aid")

    (ea, aa), (eb, ab) = side("x"), side("y")
    claimed = (pairs.where(F.col("x.t").isNotNull() | F.col("y.t").isNotNull())
               .select(F.col("x.node").alias("node_a"), F.col("y.node").alias("node_b"),
                       F.lit("claimed-org").alias("kind"), U["claim_strength"]("x.n").alias("strength"),
                       U["claim_evidence"](ea, eb, F.col("x.n")).alias("evidence"), aa.alias("a"), ab.alias("b")))
    return employer.union(claimed)


def _burst_edges(feats, weak, U):  # noqa: ANN001, ANN202, N803
    from pyspark.sql import functions as F

    pairs = weak.select(F.least("node_a", "node_b").alias("n1"), F.greatest("node_a", "node_b").alias("n2")).distinct()
    wanted = pairs.select(F.col("n1").alias("node")).union(pairs.select(F.col("n2").alias("node"))).distinct()
    visits = (feats.where(F.col("org").isNotNull() & F.col("t").isNotNull()).join(wanted, "node")
              .groupBy("node").agg(F.collect_list(F.struct("org", "t", F.col("approach_id").alias("aid")))
                                   .alias("v")))
    va, vb = visits.alias("va"), visits.alias("vb")
    hits = (pairs.join(va, F.col("n1") == F.col("va.node")).join(vb, F.col("n2") == F.col("vb.node"))
            .select("n1", "n2", U["burst"]("va.v", "vb.v").alias("h")).where(F.col("h").isNotNull()))
    return hits.select(F.col("n1").alias("node_a"), F.col("n2").alias("node_b"), F.lit("burst").alias("kind"),
                       F.lit(ev.STRENGTH["burst"]).alias("strength"),
                       U["burst_evidence"]("h.secs", "h.org").alias("evidence"),
                       F.col("h.a").alias("a"), F.col("h.b").alias("b"))


def _merge(cands):  # noqa: ANN001, ANN202
    """The strongest edge of each kind per node pair; keep pairs whose total reaches MERGE_MIN."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    swap = F.col("node_a") > F.col("node_b")
    o = cands.where(F.col("node_a") != F.col("node_b")).select(
        F.when(swap, F.col("node_b")).otherwise(F.col("node_a")).alias("node_a"),
        F.when(swap, F.col("node_a")).otherwise(F.col("node_b")).alias("node_b"),
        "kind", "strength", "evidence",
        F.when(swap, F.col("b")).otherwise(F.col("a")).alias("a"),
        F.when(swap, F.col("a")).otherwise(F.col("b")).alias("b"),
    )
    w = Window.partitionBy("node_a", "node_b", "kind").orderBy(F.col("strength").desc(), "a", "b", "evidence")
    best = o.withColumn("rk", F.row_number().over(w)).where(F.col("rk") == 1).drop("rk")
    fam = F.col("kind")
    for kind, f in sorted(ev.FAMILY.items()):
        fam = F.when(F.col("kind") == kind, F.lit(f)).otherwise(fam)
    tot = (best.withColumn("fam", fam).groupBy("node_a", "node_b", "fam").agg(F.max("strength").alias("s"))
           .groupBy("node_a", "node_b").agg(F.sum("s").alias("total")).where(F.col("total") >= ev.MERGE_MIN))
    return best.join(tot.select("node_a", "node_b"), ["node_a", "node_b"]).select(*_EDGE_COLS)


def connected_components(edges, max_rounds: int = MAX_CC_ROUNDS):  # noqa: ANN001, ANN201
    """Large-star / small-star (Kiveris et al. 2014) on an edge DataFrame (u, v) of string node ids.
    Returns a DataFrame (node, label) with label = the smallest node of its component (isolated nodes absent)."""
    from pyspark.sql import functions as F

    e = edges.select(F.least("u", "v").alias("u"), F.greatest("u", "v").alias("v")).where("u != v").distinct()
    e = e.localCheckpoint()
    last = None
    for _ in range(max_rounds):
        # large-star: every node links its larger neighbours to its smallest neighbour (or itself)
        both = e.union(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        m = both.groupBy("u").agg(F.min("v").alias("m"))
        large = (both.join(m, "u").where(F.col("v") > F.col("u"))
                 .select(F.col("v").alias("u"), F.least("m", "u").alias("v")))
        large = large.select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v")).where("u != v")
        large = large.distinct()
        # small-star: every node links itself and its smaller neighbours to the smallest of them
        m2 = large.groupBy("u").agg(F.min("v").alias("m"))
        small = (large.join(m2, "u").select(F.col("v").alias("x"), "m", "u")
                 .select(F.explode(F.array("x", "u")).alias("u"), "m")
                 .where(F.col("u") != F.col("m"))
                 .select(F.greatest("u", "m").alias("u"), F.least("u", "m").alias("v")).distinct())
        e = small.localCheckpoint()
        # fixed point: the edge set no longer changes (count and an order-free checksum of the edges)
        digest = tuple(e.agg(F.count("*"), F.sum(F.xxhash64("u", "v").cast("decimal(38,0)"))).first())
        if digest == last:
            break
        last = digest
    else:
        raise RuntimeError("connected components did not converge")
    # converged: every edge is (node, smallest node of its component)
    labels = e.select(F.col("u").alias("node"), F.col("v").alias("label"))
    roots = e.select(F.col("v").alias("node"), F.col("v").alias("label"))
    return labels.union(roots).distinct()


ROWS_PER_PARTITION = 25_000


def _scale_partitions(spark, n: int) -> None:  # noqa: ANN001
    """At least one shuffle partition per 25,000 approaches: the driver collects the campaigns partition by
    partition, and at 1M approaches in 8 partitions one partition's result outgrew the block manager
    ("TaskResultLost") on a 2 GB driver."""
    base = int(os.environ.get("LUREWATCH_SPARK_PARTITIONS", "8"))
    spark.conf.set("spark.sql.shuffle.partitions", str(max(base, -(-n // ROWS_PER_PARTITION))))


def link_frame(spark, lines, master: str | None = None) -> list[dict[str, Any]]:  # noqa: ANN001
    """Campaigns of a DataFrame of JSON lines (columns ord: input order, value: the JSON text)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    U = _udfs()  # noqa: N806
    feats = spark.createDataFrame(lines.rdd.map(tuple).mapPartitions(_features), _FEATURE_SCHEMA)
    first = Window.partitionBy("approach_id").orderBy("ord")
    feats = feats.withColumn("rk", F.row_number().over(first)).where(F.col("rk") == 1).drop("rk").cache()
    _scale_partitions(spark, feats.count())
    strong = _strong_edges(feats, U).union(_pdq_edges(feats, U))
    weak = _template_edges(feats, U)
    emp = _employer_edges(spark, feats, U)
    if emp is not None:
        weak = weak.union(emp)
    weak = weak.cache()
    cands = strong.union(weak).union(_burst_edges(feats, weak, U))
    merged = _merge(cands).cache()
    labels = connected_components(merged.select(F.col("node_a").alias("u"), F.col("node_b").alias("v")))
    comp = (feats.join(labels, "node", "left").withColumn("comp", F.coalesce("label", "node"))
            .withColumn("size", F.count("*").over(Window.partitionBy("comp"))).where(F.col("size") >= 2))
    edges = [Edge(*row) for row in merged.toLocalIterator()]
    records, label = [], {}
    for row in comp.select(*_RECORD_FIELDS, "comp").toLocalIterator():
        d = row.asDict()
        label[d["node"]] = d.pop("comp")
        records.append(Record(**d))
    feats.unpersist()
    merged.unpersist()
    weak.unpersist()
    return build_campaigns(records, label, edges)


def _lines_frame(spark, paths: Iterable[Path], dicts: list[dict[str, Any]]):  # noqa: ANN001, ANN202
    from pyspark.sql import functions as F

    frames = []
    if dicts:
        rows = [(i, json.dumps(d, ensure_ascii=False, default=str)) for i, d in enumerate(dicts)]
        frames.append(spark.createDataFrame(rows, "ord long, value string"))
    offset = len(dicts)
    for k, p in enumerate(paths):
        df = spark.read.text(str(p)).where(F.length(F.trim("value")) > 0)
        frames.append(df.select(((F.lit(offset + k) * F.lit(1 << 40)) + F.monotonically_increasing_id()).alias("ord"),
                                "value"))
    out = frames[0]
    for f in frames[1:]:
        out = out.union(f)
    return out


def link_spark(paths: Iterable[Path], dicts: list[dict[str, Any]] | None = None,
               master: str | None = None) -> list[dict[str, Any]]:
    """Campaigns of JSONL files and/or contract dicts, with Spark (local[*] unless `master` is given)."""
    paths = list(paths)
    dicts = list(dicts or [])
    if not paths and not dicts:
        return []
    spark = session(master)
    return link_frame(spark, _lines_frame(spark, paths, dicts), master)


def link_spark_jsonl(paths: Iterable[Path], master: str | None = None) -> list[dict[str, Any]]:
    return link_spark(paths, [], master)
