# Transcript sentiment lakehouse. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BASE ?= python3
VENV        := .venv
PY          := $(CURDIR)/$(VENV)/bin/python
MODEL_DIR   := .cache/models/minilm-l6-sentiment
ADAPTER_DIR := models/default

# `make run` settings; any of them can be given on the command line.
INPUT     ?= data/sample
WAREHOUSE ?= warehouse
MASTER    ?= local[*]
CONF      ?= conf/local.yaml
MODEL     ?=
REPROCESS ?=
# `make maintain` settings: the dates to re-optimize (inclusive).
FROM      ?=
TO        ?=
# `make bench-query` size.
ROWS      ?= 50000000
# `make data` settings.
SIZE_MB   ?= 50
FORMAT    ?= jsonl
SEED      ?= 7
OUT       ?= data/generated

JARS = $(shell ls $(CURDIR)/.jars/*.jar 2>/dev/null | paste -sd, -)
SPARK_ENV = PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PYSPARK_PYTHON="$(PY)" PYSPARK_DRIVER_PYTHON="$(PY)" \
	HF_HUB_OFFLINE=1 SPARK_LOCAL_IP=127.0.0.1 PYTHONUNBUFFERED=1
# Tables by name: a Hive catalog whose (embedded Derby) metastore lives in the warehouse.
CATALOG_HOME = $(abspath $(WAREHOUSE))/_catalog
SPARK_CONF = --properties-file conf/spark-defaults.conf \
	--jars "$(JARS)" \
	--conf spark.sql.catalogImplementation=hive \
	--conf spark.sql.warehouse.dir=$(CATALOG_HOME)/managed \
	--conf "spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=$(CATALOG_HOME)/metastore_db;create=true" \
	--driver-java-options "-Dlog4j2.configurationFile=file:$(CURDIR)/conf/log4j2.properties -Dderby.stream.error.file=/dev/null"
SPARK_SUBMIT = $(SPARK_ENV) $(VENV)/bin/spark-submit --master '$(MASTER)' $(SPARK_CONF)

# What a submission ships: the job's code as a zip (--py-files), and on a cluster the model
# folder as an archive unpacked beside every executor (--archives). Executors run the
# interpreter named by PYSPARK_PYTHON, which must exist on every node (see the README).
CODE_ZIP      := dist/transcript_lakehouse.zip
SHIPPED_MODEL  = $(or $(MODEL),$(MODEL_DIR))
MODEL_ARCHIVE  = dist/$(notdir $(SHIPPED_MODEL)).tgz
ON_CLUSTER     = $(findstring spark://,$(MASTER))
MODEL_SOURCE  ?= $(MODEL_DIR)
Q ?= SHOW TABLES
# Handed to the shell through the environment: backquotes (delta.`/path`) stay as written.
export Q

.PHONY: help setup run cluster-up cluster-down sql maintain test test-fast lint data sample train-model calibrate model eval bench-ingest bench-score bench-mask bench-query clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.installed .jars/.resolved $(MODEL_DIR)/build-stamp.json ## install everything (venv, Delta jars, default model); re-running is a no-op

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON_BASE) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade "pip==25.3"
	$(VENV)/bin/pip install --quiet -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

# The Delta Lake JVM side, resolved once through Maven into the project (offline afterwards).
# Spark and Scala come with pyspark, so only Delta's own artifacts are kept.
.jars/.resolved: conf/jvm/pom.xml
	mvn --quiet --batch-mode -Dstyle.color=never -f conf/jvm/pom.xml dependency:copy-dependencies \
		-DoutputDirectory=$(CURDIR)/.jars -DincludeGroupIds=io.delta
	touch $@

# The default model: the packaged MiniLM encoder plus the committed adapter file (and the
# calibration offsets, when models/default/calibration.json exists).
$(MODEL_DIR)/build-stamp.json: $(ADAPTER_DIR)/adapter.safetensors $(ADAPTER_DIR)/recipe.json \
		$(wildcard $(ADAPTER_DIR)/calibration.json) $(VENV)/.installed
	HF_HUB_OFFLINE=1 $(PY) -m modeling.build --adapter $(ADAPTER_DIR) --out $(MODEL_DIR)

model: $(MODEL_DIR)/build-stamp.json ## assemble the default model checkpoint

run: setup $(CODE_ZIP) ## run the job with spark-submit: INPUT=... WAREHOUSE=... MASTER=... CONF=... MODEL=... REPROCESS=1
	@$(if $(ON_CLUSTER),$(MAKE) --no-print-directory $(MODEL_ARCHIVE) MODEL_SOURCE=$(SHIPPED_MODEL))
	@echo "spark-submit --master '$(MASTER)' --py-files $(CODE_ZIP) jobs/score_transcripts.py --config $(CONF) --input $(INPUT) --warehouse $(WAREHOUSE)"
	@$(SPARK_SUBMIT) --py-files $(CODE_ZIP) \
		$(if $(ON_CLUSTER),--archives "$(MODEL_ARCHIVE)#$(notdir $(SHIPPED_MODEL))") \
		jobs/score_transcripts.py --config $(CONF) --input "$(INPUT)" --warehouse "$(WAREHOUSE)" \
		$(if $(MODEL),--model "$(MODEL)") $(if $(REPROCESS),--reprocess)

$(CODE_ZIP): $(shell find lakehouse udfs -name '*.py' 2>/dev/null) | $(VENV)/.installed
	$(PY) -m lakehouse.cluster pack --out $@

dist/%.tgz: $(wildcard $(MODEL_SOURCE)/*)
	mkdir -p dist && tar -czf $@ -C $(MODEL_SOURCE) .

cluster-up: setup ## start a Spark standalone master and worker on 127.0.0.1 (master spark://127.0.0.1:7077)
	@$(SPARK_ENV) $(PY) -m lakehouse.cluster up

cluster-down: ## stop the standalone master and worker that cluster-up started
	@$(PY) -m lakehouse.cluster down

# spark-sql cannot print the dates Delta answers min/max(created_date) with from its statistics
# (ClassCastException LocalDate -> java.sql.Date), so it computes them instead.
sql: setup ## run SQL on the tables by name: Q="SELECT ..." WAREHOUSE=...
	@mkdir -p $(CATALOG_HOME)
	@$(SPARK_ENV) $(VENV)/bin/spark-sql --master 'local[2]' $(SPARK_CONF) --conf spark.ui.enabled=false --hiveconf hive.cli.print.header=true \
		--conf spark.databricks.delta.optimizeMetadataQuery.enabled=false \
		-e "$$Q" 2>$(CATALOG_HOME)/spark-sql.log || { grep -m1 -E 'Exception|Error' $(CATALOG_HOME)/spark-sql.log; tail -20 $(CATALOG_HOME)/spark-sql.log; exit 1; }
maintain: setup $(CODE_ZIP) ## re-optimize dates FROM=YYYY-MM-DD TO=YYYY-MM-DD of WAREHOUSE=..., then VACUUM (CONF=...)
	@$(SPARK_SUBMIT) --py-files $(CODE_ZIP) jobs/maintain_tables.py --config $(CONF) --warehouse "$(WAREHOUSE)" --from "$(FROM)" --to "$(TO)"

test: setup ## run every test (real Spark, real Delta, real model)
	HF_HUB_OFFLINE=1 $(VENV)/bin/pytest

test-fast: setup ## tests without the slow ones (no default model, no spark-submit)
	HF_HUB_OFFLINE=1 $(VENV)/bin/pytest -m "not slow"

lint: ## ruff lint and format check
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

data: $(VENV)/.installed ## generate transcripts: SIZE_MB=... FORMAT=array|jsonl|files SEED=... OUT=...
	$(PY) -m lakehouse.generate --size-mb $(SIZE_MB) --format $(FORMAT) --seed $(SEED) --out $(OUT)

sample: $(VENV)/.installed ## regenerate the small sample committed under data/sample
	$(PY) -m lakehouse.generate --sample data/sample

train-model: $(VENV)/.installed ## retrain the default model's adapter from ../shared/data/sentiment
	HF_HUB_OFFLINE=1 $(PY) -m modeling.train --out $(ADAPTER_DIR)

calibrate: $(VENV)/.installed ## tune the logit offsets in models/default/calibration.json on MELD dev (or DATA=<file.tsv>)
	HF_HUB_OFFLINE=1 $(PY) -m modeling.calibration --adapter $(ADAPTER_DIR) $(if $(DATA),--data $(DATA))

eval: $(MODEL_DIR)/build-stamp.json ## evaluate a model: MODEL=<folder> DATA=<file.tsv> (default: all eval sets)
	HF_HUB_OFFLINE=1 $(PY) -m modeling.evaluate --model $(or $(MODEL),$(MODEL_DIR)) $(if $(DATA),--data $(DATA))

bench-score: setup ## score 20,000 real utterances: textbook UDF vs the job's UDF vs plain Python
	HF_HUB_OFFLINE=1 $(PY) -m benchmarks.score

bench-mask: setup ## PII masking cost per utterance on 20,000 real utterances
	$(PY) -m benchmarks.masking

bench-ingest: setup ## Spark's multiLine reader vs the job's on a 500 MB array (FILE= ARRAY_MB= FILES= REPEATS= NO_BUILTIN=1)
	HF_HUB_OFFLINE=1 $(PY) -m benchmarks.ingest $(if $(FILE),--file $(FILE)) \
		$(if $(ARRAY_MB),--size-mb $(ARRAY_MB)) $(if $(FILES),--files $(FILES)) $(if $(REPEATS),--repeats $(REPEATS)) \
		$(if $(NO_BUILTIN),--no-builtin)

bench-query: setup ## "tenant X, last 7 days" in four table layouts (ROWS= TARGET_MB= LAYOUTS=1_plain,... SWEEP_MB=1,2|none)
	$(PY) -m benchmarks.query --rows $(ROWS) $(if $(TARGET_MB),--target-mb $(TARGET_MB)) \
		$(if $(LAYOUTS),--layouts $(LAYOUTS)) $(if $(SWEEP_MB),--sweep-mb $(SWEEP_MB))

clean: ## remove outputs (keeps the venv, jars and model)
	rm -rf warehouse spark-warehouse metastore_db derby.log .pytest_cache dist
