"""Tables by name: the job's tables are registered in the session catalog after a run."""

from lakehouse.catalog import catalog_settings, register_tables


def test_a_run_registers_its_tables_by_name(spark, shared_run):
    report, warehouse = shared_run
    assert report.catalog_names == ["default.segments", "default.transcripts", "default.quarantine"]
    register_tables(spark, str(warehouse))  # what a notebook does: idempotent
    assert spark.sql("SELECT count(*) FROM transcripts").first()[0] == 7221
    assert spark.table("default.segments").count() == 64268


def test_names_follow_the_warehouse_they_were_last_registered_for(spark, tmp_path):
    for name, rows in (("first", 3), ("second", 5)):
        spark.range(rows).write.format("delta").save(str(tmp_path / name / "quarantine"))
    assert register_tables(spark, str(tmp_path / "first"), database="names_test") == ["names_test.quarantine"]
    assert spark.table("names_test.quarantine").count() == 3
    register_tables(spark, str(tmp_path / "second"), database="names_test")
    assert spark.table("names_test.quarantine").count() == 5
    # Re-pointing a name never deletes the data it pointed at.
    assert spark.read.format("delta").load(str(tmp_path / "first" / "quarantine")).count() == 3


def test_a_warehouse_without_tables_registers_nothing(spark, tmp_path):
    assert register_tables(spark, str(tmp_path), database="names_test") == []


def test_the_catalog_metastore_lives_inside_the_warehouse(tmp_path):
    settings = catalog_settings(str(tmp_path))
    assert settings["spark.sql.catalogImplementation"] == "hive"
    url = settings["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert url == f"jdbc:derby:;databaseName={tmp_path}/_catalog/metastore_db;create=true"
