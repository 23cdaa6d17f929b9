"""Airflow DAG: score the landing folder's new transcripts into the Delta tables every hour.

Needs apache-airflow and apache-airflow-providers-apache-spark, and a Spark connection
(`spark_transcripts`) whose host is the cluster's master, e.g. spark://127.0.0.1:7077.
The job is incremental and exactly-once, so a retry or a catch-up run is always safe; it
exits 0 (done), 2 (configuration or input error: fix, do not retry), 3 (counts did not add
up: look at the run report), 4 (another run holds the warehouse: retry later) or 1
(anything else: retry).

Paths come from Airflow Variables so the same file serves every environment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

PROJECT = Variable.get("transcripts_project_dir", default_var="/opt/transcript-lakehouse")
LANDING = Variable.get("transcripts_landing_dir", default_var="/data/landing/transcripts")
WAREHOUSE = Variable.get("transcripts_warehouse_dir", default_var="/data/lake/transcripts")
MODEL = f"{PROJECT}/.cache/models/minilm-l6-sentiment"
# The settings conf/spark-defaults.conf gives `make run`, and the catalog that names the tables.
SPARK_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.catalogImplementation": "hive",
    "spark.sql.warehouse.dir": f"{WAREHOUSE}/_catalog/managed",
    "spark.hadoop.javax.jdo.option.ConnectionURL": (
        f"jdbc:derby:;databaseName={WAREHOUSE}/_catalog/metastore_db;create=true"
    ),
    "spark.executorEnv.HF_HUB_OFFLINE": "1",
}

with DAG(
    dag_id="transcript_sentiment",
    description="Score new contact-centre transcripts into Delta tables",
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # the job also refuses a second concurrent run on the same tables
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["transcripts", "delta"],
) as dag:
    score_transcripts = SparkSubmitOperator(
        task_id="score_transcripts",
        conn_id="spark_transcripts",
        application=f"{PROJECT}/jobs/score_transcripts.py",
        py_files=f"{PROJECT}/dist/transcript_lakehouse.zip",
        archives=f"{PROJECT}/dist/minilm-l6-sentiment.tgz#minilm-l6-sentiment",
        conf=SPARK_CONF,
        jars=f"{PROJECT}/.jars/*",
        env_vars={"HF_HUB_OFFLINE": "1", "PYSPARK_PYTHON": f"{PROJECT}/.venv/bin/python"},
        application_args=[
            "--config",
            f"{PROJECT}/conf/local.yaml",
            "--input",
            LANDING,
            "--warehouse",
            WAREHOUSE,
            "--model",
            MODEL,
        ],
        name="transcript-sentiment",
        verbose=False,
    )
