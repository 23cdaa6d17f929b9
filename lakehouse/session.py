"""SparkSession for tests, notebooks and local tools, configured exactly as `make run` is.

Under spark-submit the job takes the session spark-submit built; everywhere else this
module builds one from conf/spark-defaults.conf and the Delta jars that `make setup`
resolved into .jars/ (so no network is needed after setup).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse.catalog import catalog_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SPARK_DEFAULTS = PROJECT_ROOT / "conf" / "spark-defaults.conf"
JARS_DIR = PROJECT_ROOT / ".jars"
LOG4J_CONFIG = PROJECT_ROOT / "conf" / "log4j2.properties"


def spark_properties(path: Path = SPARK_DEFAULTS) -> dict[str, str]:
    properties = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition(" ")
            properties[key] = value.strip()
    return properties


def delta_jars(jars_dir: Path = JARS_DIR) -> list[str]:
    jars = sorted(str(jar) for jar in jars_dir.glob("*.jar"))
    if not jars:
        raise FileNotFoundError(f"no Delta Lake jars in {jars_dir}: run `make setup` first")
    return jars


def local_session(
    app_name: str = "transcript-lakehouse",
    *,
    master: str = "local[2]",
    extra: dict[str, str] | None = None,
    catalog_warehouse: str | None = None,
) -> SparkSession:
    """A Delta-enabled session; with `catalog_warehouse`, tables are found by name there."""
    # Stay on loopback, as `make run` does, whatever the host name resolves to.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers run this interpreter (the project's venv), not whatever is on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {
        **spark_properties(),
        "spark.jars": ",".join(delta_jars()),
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{LOG4J_CONFIG}",
        **(catalog_settings(catalog_warehouse) if catalog_warehouse else {}),
        **(extra or {}),
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
