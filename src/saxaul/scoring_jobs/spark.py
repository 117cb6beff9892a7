"""The Spark engine: events hashed by user into partitions, each scored by ``partition``.

Why this shape: caps and claims never cross users, so ``repartition(n, user_id)`` puts every
event a cap or claim depends on in one task; ``mapInArrow`` hands that task Arrow batches and
takes Arrow back (no pandas row conversion), and the task calls the same ``kernel.score`` as the
Polars engine. The behaviour table, participants and prior usage reach executors once, as a
broadcast; each task keeps the rows of its own users.

PySpark is imported here only, inside functions, so Saxaul without the ``spark`` extra never
loads it. The session runs with no UI, a fixed number of shuffle partitions, UTC as its
session zone, the driver bound to 127.0.0.1, executors on this interpreter, and no package
downloads (no ``spark.jars.packages``).

Example: ``with SparkRunner("local[2]", partitions=4) as runner: runner.score(Path("events"),
job, Path("out"))`` writes ``out/events``, ``out/awards`` and ``out/usage`` as Parquet folders.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import polars as pl

from saxaul.domain.errors import InputRejected
from saxaul.scoring.restate import RESTATE_SCHEMA
from saxaul.scoring_jobs.inputs import (
    INSTANT_SOURCE,
    PAID,
    PAID_SUFFIX,
    WIRE,
    event_sources,
    events_root,
    repeated_rows,
)
from saxaul.scoring_jobs.local import write_output
from saxaul.scoring_jobs.partition import (
    OUTPUTS,
    RESTATEMENT,
    SEPARATOR,
    STACKED,
    RestatementJob,
    ScoringJob,
    arrow_schema,
    restate_partition,
    score_partition,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_SPARK_TYPES: dict[type[pl.DataType], str] = {
    pl.Int64: "bigint",
    pl.Int32: "int",
    pl.Float64: "double",
    pl.String: "string",
    pl.Boolean: "boolean",
}


def ddl(schema: dict[str, pl.DataType]) -> str:
    """A Polars schema as a Spark DDL string (the schema ``mapInArrow`` returns)."""
    return ", ".join(f"`{name}` {_SPARK_TYPES[type(dtype)]}" for name, dtype in schema.items())


def spark_missing() -> str | None:
    """Why Spark cannot start here (no pyspark, no Java), or ``None`` if it can."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (install the spark extra: pip install 'saxaul[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and Path(java_home, "bin", "java").exists()):
        return "no Java runtime (java on PATH or JAVA_HOME) for Spark"
    return None


class SparkRunner:
    """A Spark session for scoring jobs; a context manager that stops it on exit."""

    def __init__(self, master: str, partitions: int) -> None:
        missing = spark_missing()
        if missing is not None:
            raise InputRejected(missing, code="spark_unavailable")
        from pyspark.sql import SparkSession

        # PySpark starts Python workers with $PYSPARK_PYTHON (default: python3 on PATH, which
        # may lack Saxaul and Polars); an operator's own choice is kept.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        self.partitions = partitions
        self.session: SparkSession = (
            SparkSession.builder.master(master)
            .appName("saxaul-score")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate()
        )
        self.session.sparkContext.setLogLevel("ERROR")

    def __enter__(self) -> SparkRunner:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the session (and its JVM's jobs)."""
        self.session.stop()

    def _events(
        self, path: Path, behaviours: frozenset[str], paid: pl.DataFrame | None
    ) -> DataFrame:
        """Wire-shaped events of ``behaviours`` (with ``paid``'s details, ``PAID``), hashed by
        user into ``partitions`` partitions; refused if a ``row`` repeats."""
        from pyspark.sql import functions as sf

        frame = self.session.read.parquet(str(events_root(path)))
        sources = event_sources(frame.columns)

        def column(name: str, dtype: pl.DataType) -> Any:
            source, kind = sources[name], _SPARK_TYPES[type(dtype)]
            if source is None:
                return sf.lit(None).cast(kind).alias(name)
            if source == INSTANT_SOURCE:
                return sf.unix_micros(sf.col(source).cast("timestamp")).alias(name)
            return sf.col(source).cast(kind).alias(name)

        wire = frame.select(*(column(n, t) for n, t in WIRE.items()))
        repeated = wire.groupBy("row").count().filter(sf.col("count") > 1).limit(3).collect()
        if repeated:
            raise repeated_rows(sorted(r["row"] for r in repeated))
        known = wire.filter(sf.col("behaviour").isin(sorted(behaviours)))
        return self._with_paid(known, paid).repartition(self.partitions, "user_id")

    def _with_paid(self, wire: DataFrame, paid: pl.DataFrame | None) -> DataFrame:
        """``inputs.with_paid`` in Spark: the details were opened on the driver, and only
        they (the rows that had any) are joined; executors never see a key."""
        from pyspark.sql import functions as sf

        if paid is None or paid.is_empty():
            return wire
        renamed = paid.select(
            pl.col(n).cast(t).alias(n if n == "row" else f"{n}{PAID_SUFFIX}")
            for n, t in PAID.items()
        )
        details = self.session.createDataFrame(
            renamed.to_arrow().cast(arrow_schema(dict(renamed.schema)))
        )
        joined = wire.join(details, on="row", how="left")
        return joined.select(
            *(
                sf.coalesce(sf.col(n), sf.col(f"{n}{PAID_SUFFIX}")).alias(n)
                if n in PAID and n != "row"
                else sf.col(n)
                for n in WIRE
            )
        )

    def score(
        self, events: Path, job: ScoringJob, out: Path, paid: pl.DataFrame | None = None
    ) -> None:
        """Score the events under ``events`` and write every output under ``out``."""
        from pyspark import StorageLevel
        from pyspark.sql import functions as sf

        shipped = self.session.sparkContext.broadcast(job)

        def task(batches: Any) -> Any:
            return score_partition(batches, shipped.value)

        stacked = self._events(events, job.table.behaviour_ids, paid).mapInArrow(task, ddl(STACKED))
        stacked = stacked.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            for name, schema in OUTPUTS.items():
                columns = [sf.col(f"{name}{SEPARATOR}{c}").alias(c) for c in schema]
                rows = stacked.filter(sf.col("output") == name).select(*columns)
                rows.write.mode("overwrite").parquet(str(out / name))
        finally:
            stacked.unpersist()
            shipped.unpersist()

    def restate(
        self, events: Path, job: RestatementJob, out: Path, paid: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        """Restate the events under ``events`` per (behaviour, month); written and returned."""
        from pyspark.sql import functions as sf

        shipped = self.session.sparkContext.broadcast(job)

        def task(batches: Any) -> Any:
            return restate_partition(batches, shipped.value)

        keys = ["behaviour", "month"]
        partial = self._events(events, job.candidate.behaviour_ids, paid).mapInArrow(
            task, ddl(RESTATE_SCHEMA)
        )
        sums = [sf.sum(c).cast("bigint").alias(c) for c in RESTATE_SCHEMA if c not in keys]
        try:
            table = partial.groupBy(*keys).agg(*sums).toArrow()
        finally:
            shipped.unpersist()
        lines = pl.DataFrame(table).select(pl.col(n).cast(t) for n, t in RESTATE_SCHEMA.items())
        lines = lines.sort(keys)
        write_output(out, RESTATEMENT, lines)
        return lines
