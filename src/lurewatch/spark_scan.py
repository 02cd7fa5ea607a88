"""`lurewatch scan --engine spark`: the local engine's pipeline run inside Spark executors.

Message tables (JSON Lines or Parquet, docs/scan-spark.md) are read by Spark itself: a first `mapInPandas`
validates each row with the local reader's code and keys it by conversation id; rows are repartitioned by
that key and sorted within partitions by (conversation, file, row order); a second `mapInPandas` threads
each conversation with `messages_table.conversation_approaches` and scores it with the `Analyser`.
Every other input (LinkedIn exports, mail, adverts, contract JSON) is read on the driver as `scan` reads
it and its approaches are scored in the executors too; a large messages.csv is threaded in bounded memory
(as the local `scan` streams it) and its approaches go to the executors through a staging folder, a chunk
at a time, so the driver never holds the whole export. The analyser (compiled indicators, semantic table,
combiner, watchlists read from the store) and the sender profiles are pickled once on the driver and
broadcast; each Python worker unpickles them once and keeps them. Output is sorted as the local engine
sorts it (score down, then approach id), so the JSONL is byte-identical to `scan --format jsonl`.
"""

from __future__ import annotations

import json
import pickle
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from lurewatch.ingest import messages_table as mt
from lurewatch.model import Approach, IngestProblem, IngestResult, Profile
from lurewatch.scoring.providers import ScanContext

STAGED = "key string, file string, ord long, payload string"
SCORED = "kind string, neg_score int, approach_id string, level string, record string"
CHUNK = 256  # approaches read on the driver, pickled per Spark row
MAX_PROBLEMS = 1000
PART_BYTES = 16 * 1024 * 1024  # input bytes per partition (the output is about twice the input)  # problems brought back to the driver
_CACHE: dict[str, tuple[Any, dict[str, Profile]]] = {}


@dataclass
class SparkScan:
    """What the Spark engine read and found: counts, problems, and the levels of the approaches."""

    result: IngestResult
    levels: dict[str, int] = field(default_factory=lambda: {"high": 0, "medium": 0, "low": 0})
    written: int = 0


def _shared(bc: Any) -> tuple[Any, dict[str, Profile]]:
    """The broadcast analyser and profiles, unpickled once per Python worker process."""
    token, blob = bc.value  # the worker keeps one copy per scan (token), whatever the tasks it runs
    got = _CACHE.get(token)
    if got is None:
        payload = pickle.loads(blob)  # noqa: S301 - pickled by our own driver, as Spark pickles tasks
        if payload[0] == "ctx":  # the analyser would not pickle (the full ONNX model): build it here, once
            from lurewatch.pipeline import Analyser

            payload = ("analyser", Analyser(payload[1]), payload[2])
        _CACHE.clear()
        got = _CACHE[token] = (payload[1], payload[2])
    return got


def _record(a: Approach) -> tuple[str, int, str, str, str]:
    return ("a", -int(a.score), a.approach_id, a.level, json.dumps(a.to_contract(), ensure_ascii=False))


def _stage(batches: Iterator[Any]) -> Iterator[Any]:
    """mapInPandas: raw rows (a JSON line `value`, or Parquet columns) + _file, _ord -> keyed, validated rows."""
    import pandas as pd

    for pdf in batches:
        keys, files, ords, payloads = [], [], [], []
        is_text = "value" in pdf.columns and "conversation_id" not in pdf.columns
        cols = [c for c in pdf.columns if c not in ("_file", "_ord")]
        for rec, file, ord_ in zip(pdf[cols].to_dict("records"), pdf["_file"], pdf["_ord"], strict=True):
            if is_text:
                line = rec["value"]
                if line is None or not line.strip():
                    continue
                data = line.encode("utf-8", "surrogatepass")
                obj: Any = (ValueError(f"line longer than {mt.MAX_LINE_BYTES} bytes")
                            if len(data) > mt.MAX_LINE_BYTES else mt.parse_line(data))
            else:
                obj = {k: (None if _is_na(v) else v) for k, v in rec.items()}
            try:
                if isinstance(obj, ValueError):
                    raise obj
                fields = mt.row_fields(obj)
            except ValueError as e:
                keys.append(None)
                payloads.append(f"message row: {e}; skipped")
            else:
                keys.append(mt.conversation_key(fields))
                payloads.append(json.dumps(fields, ensure_ascii=False))
            files.append(file)
            ords.append(int(ord_))
        yield pd.DataFrame({"key": keys, "file": files, "ord": ords, "payload": payloads},
                           columns=["key", "file", "ord", "payload"])


def _is_na(v: Any) -> bool:
    try:
        return v is None or (isinstance(v, float) and v != v)
    except (TypeError, ValueError):
        return False


def _threads(bc: Any) -> Any:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        """mapInPandas over rows sorted by (key, file, ord): thread each conversation, score, emit records."""
        import pandas as pd

        analyser, profiles = _shared(bc)
        res = IngestResult()
        out: list[tuple[str, int | None, str | None, str | None, str]] = []
        group = mt.Conversation("")
        current: tuple[str, str] | None = None

        def flush() -> None:
            for a in mt.conversation_approaches(group.rows, current[1] if current else "", res, profiles):
                out.append(_record(analyser.analyse_one(a)))

        def drain_problems() -> None:
            out.extend(("p", None, None, None, str(p)) for p in res.problems)
            res.problems.clear()

        for pdf in batches:
            for key, file, ord_, payload in zip(pdf["key"], pdf["file"], pdf["ord"], pdf["payload"], strict=True):
                if key is None:
                    res.rows_skipped += 1
                    res.problems.append(IngestProblem(file, int(ord_) + 1, payload))
                    continue
                res.rows_read += 1
                if (key, file) != current and group.rows:
                    flush()
                    group = mt.Conversation(file)
                current = (key, file)
                group.origin = file
                group.add(int(ord_), json.loads(payload), res)
            drain_problems()
            if len(out) >= 1024:
                yield pd.DataFrame(out, columns=["kind", "neg_score", "approach_id", "level", "record"])
                out.clear()
        if group.rows:
            flush()
        drain_problems()
        out.append(("n", None, None, None, json.dumps([res.rows_read, res.rows_skipped])))
        yield pd.DataFrame(out, columns=["kind", "neg_score", "approach_id", "level", "record"])

    return run


def _score_pickled(bc: Any) -> Any:
    def run(rows: Iterator[Any]) -> Iterator[tuple]:
        analyser, _profiles = _shared(bc)
        for (blob,) in rows:
            for a in pickle.loads(blob):  # noqa: S301 - pickled by our own driver (in memory or staged)
                yield _record(analyser.analyse_one(a))

    return run


def _driver_disk_shared(sc: Any) -> bool:
    """Do the executors see the driver's disk? Under a local master they run beside it."""
    return bool(sc.master.startswith("local"))


class _Staging:
    """A folder on Spark's file system for the pickled chunks of streamed approaches: a local temporary
    folder under a local master, else a fresh folder under /tmp of the cluster's default file system (HDFS),
    written through Hadoop's FileSystem API so that every executor can read it. Removed after the scan."""

    def __init__(self, spark: Any) -> None:
        sc = spark.sparkContext
        self._jvm = sc._jvm
        conf = sc._jsc.hadoopConfiguration()
        self._tmp = None
        if _driver_disk_shared(sc):
            self._tmp = tempfile.TemporaryDirectory(prefix="lurewatch-scan-stage-")
            self.uri = Path(self._tmp.name).as_uri()
        else:
            self.uri = f"/tmp/lurewatch-scan-{uuid.uuid4().hex}"
        self._path = self._jvm.org.apache.hadoop.fs.Path(self.uri)
        self._fs = self._path.getFileSystem(conf)
        if self._tmp is None:  # the executors unpickle what is here: only this user may write into it
            self._fs.mkdirs(self._path, self._jvm.org.apache.hadoop.fs.permission.FsPermission("700"))
        self.chunks = 0

    def rdd(self, sc: Any, parts: int) -> Any:
        """The pickled chunks as one-field rows (as `_score_pickled` reads them) over `parts` partitions.
        binaryFiles packs small files into as few splits as it can (one for a whole export, so one core
        would score it): locally the tasks read the files named to them; on a cluster the files are read by
        Hadoop and spread by a shuffle."""
        if self._tmp is not None:
            folder = self._tmp.name
            names = [f"chunk-{i:07d}.pkl" for i in range(self.chunks)]
            return sc.parallelize(names, parts).map(lambda n: (Path(folder, n).read_bytes(),))
        return sc.binaryFiles(self.uri).repartition(parts).map(lambda kv: (kv[1],))

    def write(self, approaches: Iterator[Approach]) -> None:
        batch: list[Approach] = []
        for a in approaches:
            batch.append(a)
            if len(batch) == CHUNK:
                self._put(batch)
                batch = []
        if batch:
            self._put(batch)

    def _put(self, batch: list[Approach]) -> None:
        name = f"chunk-{self.chunks:07d}.pkl"
        self.chunks += 1
        if self._tmp is not None:  # the executors share the driver's disk: no trip through the JVM
            Path(self._tmp.name, name).write_bytes(pickle.dumps(batch))
            return
        out = self._fs.create(self._jvm.org.apache.hadoop.fs.Path(self._path, name))
        try:
            out.write(bytearray(pickle.dumps(batch)))
        finally:
            out.close()

    def remove(self) -> None:
        try:
            if self._tmp is not None:
                self._tmp.cleanup()
            else:
                self._fs.delete(self._path, True)
        except Exception:  # noqa: BLE001 - a leftover staging folder is not worth failing a finished scan
            pass


def _staged_tables(spark: Any, tables: list[str]) -> Any:
    from pyspark.sql import functions as F

    frames = []
    parquet = [t for t in tables if ".parquet" in t.lower()]
    jsonl = [t for t in tables if t not in parquet]
    if jsonl:
        frames.append(spark.read.option("lineSep", "\n").text(jsonl))
    for p in parquet:  # one by one: files may carry different subsets of the optional columns
        df = spark.read.parquet(p)
        wanted = [c for c in (*mt.COLUMNS, "owner_profile_url") if c in df.columns]
        frames.append(df.select(*wanted))
    staged = None
    for df in frames:
        # the row order within each file: monotonically increasing ids follow the file's splits in order
        df = df.withColumn("_file", F.input_file_name()).withColumn("_ord", F.monotonically_increasing_id())
        s = df.mapInPandas(_stage, STAGED)
        staged = s if staged is None else staged.unionByName(s)
    return staged


_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]+):/+", re.IGNORECASE)


def is_uri(path: str) -> bool:
    """A table Spark reads itself (a folder of part files on HDFS, S3...), never opened by the driver."""
    return _SCHEME.match(path) is not None


def uri(path: str) -> str:
    """Undo pathlib's folding of `s3a://bucket` into `s3a:/bucket` (file: URIs keep one slash)."""
    m = _SCHEME.match(path)
    if m is None:
        return path
    scheme = m.group(1).lower()
    return f"{scheme}:/{path[m.end():]}" if scheme == "file" else f"{scheme}://{path[m.end():]}"


def _size(path: str) -> int:
    if is_uri(path):
        return 0
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _uri_size(spark: Any, path: str) -> int:
    """Bytes under a URI, asked of Hadoop's file system (0 when it cannot tell)."""
    try:
        jvm = spark.sparkContext._jvm
        p = jvm.org.apache.hadoop.fs.Path(path)
        fs = p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        return int(fs.getContentSummary(p).getLength())
    except Exception:  # noqa: BLE001 - only a sizing hint: the default partitions apply
        return 0


def scan_spark(paths: list[Path], profiles_dir: Path | None, ctx: ScanContext, *, master: str | None = None,
               fmt: str = "jsonl", output: Path | None = None, min_level: str = "low",
               partitions: int | None = None, write: Any = None, collect: str = "auto") -> SparkScan:
    """Scan with Spark; JSONL lines go to `write(str)`, Parquet to the `output` folder. `collect` says how
    the sorted JSONL reaches the driver: "files" (part files, local masters), "iterator" (one partition
    at a time, clusters) or "auto"."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from lurewatch.ingest import scan_inputs
    from lurewatch.linking.spark import session
    from lurewatch.pipeline import Analyser

    uris = [uri(str(p)) for p in paths if is_uri(str(p))]  # read by Spark alone (hdfs://, s3a://, file://)
    # stream=True: a large LinkedIn messages.csv is threaded in bounded memory, its approaches left to iterate
    loaded = scan_inputs([Path(p) for p in paths if not is_uri(str(p))], profiles_dir, stream=True)
    result = loaded.result
    result.message_tables += uris
    streams = loaded.export_streams
    for gen in result.pending:
        if not any(gen is e for e in streams):
            gen.close()  # the executors read the message tables; the driver never iterates them
    result.pending = []
    spark = session(master, "lurewatch-scan")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    sc = spark.sparkContext
    # partitions of about PART_BYTES of input: the sorted output comes to the driver one partition at a time
    in_bytes = sum(_uri_size(spark, t) if is_uri(t) else _size(t) for t in result.message_tables)
    n_parts = partitions or max(2, sc.defaultParallelism * 2, -(-in_bytes // PART_BYTES))
    spark.conf.set("spark.sql.shuffle.partitions", str(n_parts))  # the partitions of the final sort
    analyser = Analyser(ctx)
    try:
        blob = pickle.dumps(("analyser", analyser, loaded.profiles))
    except (pickle.PicklingError, TypeError, AttributeError):
        blob = pickle.dumps(("ctx", ctx, loaded.profiles))
    bc = sc.broadcast((uuid.uuid4().hex, blob))
    frames = []
    if result.message_tables:
        staged = _staged_tables(spark, result.message_tables)
        threads = _threads(bc)
        frames.append(staged.repartition(n_parts, "key").sortWithinPartitions("key", "file", "ord")
                      .mapInPandas(threads, SCORED))
        result.files_read += len(result.message_tables)
    if result.approaches:
        items = result.approaches
        chunks = [(bytearray(pickle.dumps(items[i:i + CHUNK])),) for i in range(0, len(items), CHUNK)]
        result.approaches = []
        rdd = sc.parallelize(chunks, max(1, min(len(chunks), n_parts))).mapPartitions(_score_pickled(bc))
        frames.append(spark.createDataFrame(rdd, SCORED))
    staging = _Staging(spark) if streams else None
    if staging is not None:
        # streamed exports: written chunk by chunk to a staging folder the executors read, so the driver
        # holds one chunk of approaches at a time however large the export
        staging.write(chain.from_iterable(streams))
        if staging.chunks:
            rdd = staging.rdd(sc, max(1, min(staging.chunks, n_parts)))
            frames.append(spark.createDataFrame(rdd.mapPartitions(_score_pickled(bc)), SCORED))
    scan = SparkScan(result)
    if not frames:
        if staging is not None:
            staging.remove()
        return scan
    scored = frames[0] if len(frames) == 1 else frames[0].unionByName(frames[1])
    scored = scored.persist(StorageLevel.DISK_ONLY)  # the JVM heap stays for the sort
    try:
        for row in scored.where("kind = 'n'").select("record").collect():
            read, skipped = json.loads(row["record"])
            result.rows_read += read
            result.rows_skipped += skipped
        for row in scored.where("kind = 'p'").select("record").limit(MAX_PROBLEMS).collect():
            file, _, reason = row["record"].partition(": ")
            result.problems.append(IngestProblem(file, None, reason))
        for row in scored.where("kind = 'a'").groupBy("level").count().collect():
            scan.levels[row["level"]] = row["count"]
        floor = {"low": ("low", "medium", "high"), "medium": ("medium", "high"), "high": ("high",)}[min_level]
        shown = scored.where((F.col("kind") == "a") & F.col("level").isin(*floor)).orderBy("neg_score",
                                                                                           "approach_id")
        if fmt == "parquet":
            assert output is not None
            (shown.select("approach_id", (-F.col("neg_score")).alias("score"), "level", "record")
             .write.mode("errorifexists").parquet(uri(str(output))))
            scan.written = sum(scan.levels[lv] for lv in floor)
        elif collect == "files" or (collect == "auto" and sc.master.startswith("local")):
            # the executors write the sorted lines (part files in partition order = the sort's order) and the
            # driver copies them out: no large task results through the driver
            with tempfile.TemporaryDirectory(prefix="lurewatch-scan-") as tmp:
                shown.select("record").write.text(str(Path(tmp) / "out"))
                for part in sorted((Path(tmp) / "out").glob("part-*")):
                    with open(part, encoding="utf-8", newline="") as fh:
                        for line in fh:
                            write(line)
                            scan.written += 1
        else:  # a cluster: the driver's disk is not the executors'; partitions come one at a time
            for row in shown.select("record").toLocalIterator():
                write(row["record"] + "\n")
                scan.written += 1
    finally:
        scored.unpersist()
        if staging is not None:
            staging.remove()
    return scan
