"""`make sql`, as an analyst types it: a table by path in backquotes, min and max of a date."""

import pytest

from benchmarks.query import synthetic_segments
from lakehouse.schema import CREATED_DATE
from tests.conftest import make

pytestmark = pytest.mark.slow


def test_min_and_max_of_the_date_over_a_table_named_by_its_path(spark, tmp_path):
    table = tmp_path / "segments"
    synthetic_segments(spark, 2_000, tenants=5, days=3, partitions=1).write.format("delta").partitionBy(
        CREATED_DATE
    ).save(str(table))
    # Backquotes were command substitution in the recipe's shell; spark-sql then failed to print
    # the dates Delta answers min/max with from its statistics.
    query = f"SELECT min(created_date) AS first, max(created_date) AS last, count(*) AS n FROM delta.`{table}`"
    result = make("sql", f"WAREHOUSE={tmp_path / 'warehouse'}", f"Q={query}", timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    assert result.stdout.strip().splitlines()[-2:] == ["first\tlast\tn", "2026-06-28\t2026-06-30\t2000"]
