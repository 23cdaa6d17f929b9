"""The PII-masking pandas UDF: Arrow batches of texts in, masked texts and counts by kind out.

The masker (compiled patterns, phone metadata loaded on first use) is built once per batch
iterator, that is once per task, never per row.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from pyspark.sql import Column
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import IntegerType, MapType, StringType, StructField, StructType

from udfs.pii import Masker, MaskSettings

MASKED_STRUCT = StructType(
    [
        StructField("text", StringType()),
        StructField("pii_counts", MapType(StringType(), IntegerType())),
    ]
)


def mask_udf(settings: MaskSettings):
    @pandas_udf(MASKED_STRUCT)
    def mask_texts(batches: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        masker = Masker(settings)
        for texts in batches:
            masked = [masker.mask(text) if isinstance(text, str) else (None, {}) for text in texts]
            yield pd.DataFrame({"text": [m[0] for m in masked], "pii_counts": [m[1] for m in masked]})

    return mask_texts


def mask_column(text: Column, settings: MaskSettings) -> Column:
    """A struct of the masked `text` and `pii_counts` (entity kind -> how many were masked)."""
    return mask_udf(settings)(text)
