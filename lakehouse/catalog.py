"""Tables by name: the warehouse's Delta tables registered in the session's catalog.

The data stays where the job wrote it (external tables: dropping a name never deletes
data). With the Hive catalog that `make run`, `make sql` and the notebooks configure, the
names persist in a metastore kept inside the warehouse (`<warehouse>/_catalog`), so
`spark-sql` and any later session see them. With Spark's in-memory catalog they last for
the session only.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse.tables import ALL_TABLES, table_path

logger = logging.getLogger(__name__)

CATALOG_DIR = "_catalog"


def catalog_settings(warehouse: str) -> dict[str, str]:
    """Spark settings for a Hive catalog (embedded Derby metastore) inside the warehouse."""
    home = Path(warehouse).resolve() / CATALOG_DIR
    return {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(home / "managed"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={home}/metastore_db;create=true",
    }


def _registered_location(spark: SparkSession, name: str) -> str | None:
    if not spark.catalog.tableExists(name):
        return None
    location = spark.sql(f"DESCRIBE DETAIL {name}").first()["location"]
    return location.removeprefix("file:")


def register_tables(spark: SparkSession, warehouse: str, database: str = "default") -> list[str]:
    """Name every table the warehouse holds; re-point names that refer to another warehouse."""
    if not spark.catalog.databaseExists(database):  # (Hive logs an error for IF NOT EXISTS)
        spark.sql(f"CREATE DATABASE `{database}`")
    registered = []
    for spec in ALL_TABLES:
        path, name = table_path(warehouse, spec), f"`{database}`.`{spec.name}`"
        if not (Path(path) / "_delta_log").is_dir():
            continue
        location = _registered_location(spark, name)
        if location is not None and Path(location) != Path(path):
            spark.sql(f"DROP TABLE {name}")  # external: the other warehouse's data stays
            location = None
        if location is None:
            spark.sql(f"CREATE TABLE {name} USING DELTA LOCATION '{path}'")
        registered.append(f"{database}.{spec.name}")
    logger.info(
        "tables %s registered in the %s catalog",
        ", ".join(registered),
        spark.conf.get("spark.sql.catalogImplementation"),
    )
    return registered
