"""Score a set of events stored as Parquet with the scoring kernel, in one process or on Spark.

Why a package of its own: the same ``saxaul.scoring.kernel.score`` (same packs, caps and
provenance) runs over files instead of the store, either in-process with Polars or as a PySpark
job for spans too large for one machine; both write the same Parquet outputs, so they can be
compared row for row. PySpark is an optional extra imported only by ``spark`` (and only when a
Spark job is asked for), so the rest of Saxaul works without it.

| module | what it holds |
|---|---|
| ``inputs.py`` | the input columns read (archive layout or plain files); Polars readers |
| ``partition.py`` | one partition's events → the kernel → Arrow (each Spark task's body) |
| ``local.py`` | the Polars engine: the whole input as one partition |
| ``spark.py`` | the Spark engine: events repartitioned by user, ``partition`` in each task |

Why partitions by user are exact: caps are per (user, behaviour, period) and ``one_per``
claims per user, so a user's events never need another partition's.
"""
