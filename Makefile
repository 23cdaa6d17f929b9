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
# `make maintain` settings: the dates to re-optimize (inclusive).
FROM      ?=
TO        ?=
# `make bench-query` size.
ROWS      ?= 20000000
# `make data` settings.
SIZE_MB   ?= 50
FORMAT    ?= jsonl
SEED      ?= 7
OUT       ?= data/generated

JARS = $(shell ls $(CURDIR)/.jars/*.jar 2>/dev/null | paste -sd, -)
SPARK_ENV = PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PYSPARK_PYTHON="$(PY)" PYSPARK_DRIVER_PYTHON="$(PY)" \
	HF_HUB_OFFLINE=1 SPARK_LOCAL_IP=127.0.0.1 PYTHONUNBUFFERED=1
SPARK_SUBMIT = $(SPARK_ENV) $(VENV)/bin/spark-submit \
	--master '$(MASTER)' \
	--properties-file conf/spark-defaults.conf \
	--jars "$(JARS)" \
	--driver-java-options "-Dlog4j2.configurationFile=file:$(CURDIR)/conf/log4j2.properties"

.PHONY: help setup run test test-fast lint data sample train-model model eval bench-ingest bench-score bench-query maintain clean

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

# The default model: the packaged MiniLM encoder plus the committed adapter file.
$(MODEL_DIR)/build-stamp.json: $(ADAPTER_DIR)/adapter.safetensors $(ADAPTER_DIR)/recipe.json $(VENV)/.installed
	HF_HUB_OFFLINE=1 $(PY) -m modeling.build --adapter $(ADAPTER_DIR) --out $(MODEL_DIR)

model: $(MODEL_DIR)/build-stamp.json ## assemble the default model checkpoint

run: setup ## run the job with spark-submit: INPUT=... WAREHOUSE=... MASTER=... CONF=... MODEL=...
	@echo "spark-submit --master '$(MASTER)' jobs/score_transcripts.py --config $(CONF) --input $(INPUT) --warehouse $(WAREHOUSE)"
	@$(SPARK_SUBMIT) jobs/score_transcripts.py --config $(CONF) --input "$(INPUT)" --warehouse "$(WAREHOUSE)" \
		$(if $(MODEL),--model "$(MODEL)")

maintain: setup ## re-optimize dates FROM=YYYY-MM-DD TO=YYYY-MM-DD of WAREHOUSE=..., then VACUUM (CONF=...)
	@$(SPARK_SUBMIT) jobs/maintain_tables.py --config $(CONF) --warehouse "$(WAREHOUSE)" --from "$(FROM)" --to "$(TO)"

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

eval: $(MODEL_DIR)/build-stamp.json ## evaluate a model: MODEL=<folder> DATA=<file.tsv> (default: all eval sets)
	HF_HUB_OFFLINE=1 $(PY) -m modeling.evaluate --model $(or $(MODEL),$(MODEL_DIR)) $(if $(DATA),--data $(DATA))

bench-score: setup ## score 20,000 real utterances: textbook UDF vs the job's UDF vs plain Python
	HF_HUB_OFFLINE=1 $(PY) -m benchmarks.score

bench-ingest: setup ## reading a 500 MB JSON array: Spark's multiLine reader vs the job's (FILE=... for yours)
	HF_HUB_OFFLINE=1 $(PY) -m benchmarks.ingest $(if $(FILE),--file $(FILE))

bench-query: setup ## "tenant X, last 7 days" on ROWS=... synthetic segments in four table layouts
	$(PY) -m benchmarks.query --rows $(ROWS) $(if $(TARGET_MB),--target-mb $(TARGET_MB))

clean: ## remove outputs (keeps the venv, jars and model)
	rm -rf warehouse spark-warehouse metastore_db derby.log .pytest_cache
