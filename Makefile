# berserkr: developer and operator entry points. `make` (or `make help`) lists them.
#
# Stage targets take their locations from the variables the CLI reads,
# BERSERKR_RAW, BERSERKR_LAKE and BERSERKR_CONFIG; the first that sets one wins:
# the command line (`make ingest BERSERKR_RAW=s3://raw`), `.env` (a copy of
# .env.example; `make up` creates it), the environment. They have no defaults: a
# stage target without one stops with the CLI's message naming it. `make demo`
# alone runs on the bundled data (data/online-retail, config/online-retail.yaml).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# No implicit suffix rules.
.SUFFIXES:

# Settings in .env (KEY=value lines, no quotes) reach make and, exported, the CLI.
ifneq (,$(wildcard .env))
# make ends a value at "#" and expands "$", docker compose reads both otherwise: a
# password holding either would differ between the CLI and MinIO, so stop at once.
# KEY=value and `export KEY=value` lines alike: make and docker compose read both.
HASH := \#
ENV_LINE := [[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=
ENV_AMBIGUOUS := $(shell grep -nE '^$(ENV_LINE).*[$(HASH)$$]' .env | sed -E 's/^([0-9]+):$(ENV_LINE).*/\1:\3/')
ENV_AMBIGUOUS_TEXT = .env line $(ENV_AMBIGUOUS): a value holding "$(HASH)" or "$$" is read one way by make and another by docker compose; choose one without them
# Targets that read none of .env (test unsets its settings, demo runs on the bundled data) only warn.
ENV_FREE_GOALS := help setup deps build clean test demo
ifneq (,$(ENV_AMBIGUOUS))
ifneq (,$(filter-out $(ENV_FREE_GOALS),$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))))
$(error $(ENV_AMBIGUOUS_TEXT))
else
$(warning $(ENV_AMBIGUOUS_TEXT) (these targets do not read it))
endif
endif
include .env
ENV_KEYS := $(shell sed -nE 's/^$(ENV_LINE).*/\2/p' .env)
export $(ENV_KEYS)
endif

BERSERKR_RAW    ?=
BERSERKR_LAKE   ?=
BERSERKR_CONFIG ?=
# The names of earlier versions: nothing reads them, so stop rather than run on other data.
$(foreach v,RAW_URI LAKE_URI,$(if $(value $(v)),$(error $(v) is set but not read: make and berserkr read BERSERKR_$(v:_URI=) (rename it in .env or on the command line))))
# Optional: LOG_FORMAT=json|pretty, passed as --log-format only when set, so that otherwise the CLI
# reads BERSERKR_LOG_FORMAT (from .env or the environment; default pretty).
LOG_FORMAT ?=
# Optional: AS_OF=2011-11-09T00:00:00Z (train, score, pipeline; schedule from the command line only), TOP_K=10, SHARD=0/4 (score only; a shard of
# several also needs RUN_ID, the scoring run its shards share, and MODEL_ID, the model all score with),
# TRAIN_FLAGS='--train-cutoffs 1 --epochs 1' (train, pipeline, schedule),
# CUSTOMERS=ids.txt, FORMAT=csv,parquet,jsonl and MIN_PROBABILITY=0.2 (export only; RUN_ID there picks
# the scoring run to re-export, default the latest, and TOP_K cuts its lists), OUTPUT=json (one JSON summary on stdout).
AS_OF      ?=
TOP_K      ?=
SHARD      ?=
RUN_ID     ?=
MODEL_ID   ?=
TRAIN_FLAGS ?=
CUSTOMERS  ?=
FORMAT     ?=
MIN_PROBABILITY ?=
OUTPUT     ?=
# When schedule ticks: --cron '<expr>' (UTC), --on-new-object, or --once; add --max-ticks N to stop by itself.
SCHEDULE   ?= --cron '0 3 * * *'
# seed: the folder of raw files to upload, required (no default, as for the locations:
# make seed SEED_DIR=data/online-retail uploads the bundled data); SEED_ONLY='2011-12.csv.lzo' only these files.
SEED_DIR   ?=
SEED_ONLY  ?=
BENCH      ?= ingest
# make demo scores as of the evaluation protocol's time, so it evaluates itself (protocol.md).
DEMO_AS_OF ?= 2011-11-09T00:00:00Z

BERSERKR := node dist/cli/berserkr.js
COMPOSE  := docker compose -f docker/docker-compose.yml --env-file .env
RAW_FLAG  = $(if $(BERSERKR_RAW),--raw '$(BERSERKR_RAW)')
LAKE_FLAG = $(if $(BERSERKR_LAKE),--lake '$(BERSERKR_LAKE)')
LOG_FLAG  = $(if $(LOG_FORMAT),--log-format $(LOG_FORMAT))
LOCATION  = $(strip $(LAKE_FLAG) $(if $(BERSERKR_CONFIG),--config '$(BERSERKR_CONFIG)') $(LOG_FLAG) $(if $(OUTPUT),--output $(OUTPUT)))
AS_OF_FLAG = $(if $(AS_OF),--as-of '$(AS_OF)')
# schedule ticks for as long as it runs: it takes a fixed as-of time only from make's command line,
# never an AS_OF exported in the shell for another target (the score Job's of the README).
SCHEDULE_AS_OF_FLAG = $(if $(filter command line,$(origin AS_OF)),$(AS_OF_FLAG))
TOP_K_FLAG = $(if $(TOP_K),--top-k $(TOP_K))
SCORE_FLAGS = $(strip $(if $(SHARD),--shard $(SHARD)) $(if $(RUN_ID),--run-id '$(RUN_ID)') $(if $(MODEL_ID),--model '$(MODEL_ID)'))
SEED_FLAG  = $(if $(SEED_ONLY),--only $(SEED_ONLY))
EXPORT_FLAGS = $(strip $(if $(CUSTOMERS),--customers '$(CUSTOMERS)') $(if $(RUN_ID),--run-id '$(RUN_ID)') $(if $(FORMAT),--format $(FORMAT)) $(TOP_K_FLAG) $(if $(MIN_PROBABILITY),--min-probability $(MIN_PROBABILITY)))

# Targets whose stdout is berserkr's alone (with OUTPUT=json, exactly one JSON object), and the
# set-up they run first: their recipes are silent (@), and bash's trace (-x) shows each command
# on stderr instead, quoted as it ran; npm ci and tsc write their output to stderr as well.
CLI_TARGETS := seed validate ingest train score export pipeline schedule runs
$(CLI_TARGETS) dist/.build-stamp node_modules/.package-lock.json: private .SHELLFLAGS := -euxo pipefail -c

# The folders tsconfig.json compiles, so a new one needs no edit here.
SRC_DIRS   := $(shell node -p "require('./tsconfig.json').include.join(' ')" 2>/dev/null)
TS_SOURCES := $(shell find $(SRC_DIRS) -name '*.ts' 2>/dev/null)

.PHONY: help setup deps build clean test demo up down seed validate ingest train score export pipeline schedule runs bench

help: ## List the targets (this text)
	@echo "usage: make <target> [VAR=value …]   (BERSERKR_RAW=$(BERSERKR_RAW) BERSERKR_LAKE=$(BERSERKR_LAKE) BERSERKR_CONFIG=$(BERSERKR_CONFIG))"
	@awk 'BEGIN { FS = ":[^#]*## " } \
	  /^## ---- / { t = $$0; sub(/^## ---- /, "", t); sub(/ -+$$/, "", t); printf "\n%s\n", t; next } \
	  /^[a-zA-Z_-]+:[^#]*## / { printf "  %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

## ---- set-up ------------------------------------------------------------------

setup: deps build ## Install npm packages when missing or stale, build

deps: node_modules/.package-lock.json ## Install npm packages (npm ci) when node_modules is missing or older than the lockfile

# npm writes node_modules/.package-lock.json on every install, so its age tells whether node_modules is stale.
node_modules/.package-lock.json: package.json package-lock.json
	@npm ci >&2
	@touch $@

build: dist/.build-stamp ## Compile the TypeScript sources to dist/ (when a source changed)

dist/.build-stamp: $(TS_SOURCES) tsconfig.json node_modules/.package-lock.json
	@npx tsc -p tsconfig.json >&2
	@touch $@

clean: ## Remove dist/ (the lake/ folder is data: remove it yourself)
	rm -rf dist

## ---- checks and demo --------------------------------------------------------

test: setup ## Type-check sources, tests and benches, then run the whole test suite (jest --ci), without the settings of .env
	npm run typecheck
	$(if $(ENV_KEYS),env $(addprefix -u ,$(ENV_KEYS))) npx jest --ci

demo: setup ## Run the whole pipeline on the bundled Online Retail data into ./lake at the protocol's as-of time; show the export and the report
	$(BERSERKR) run --raw data/online-retail --lake lake --config config/online-retail.yaml --as-of '$(DEMO_AS_OF)' $(LOG_FLAG)
	@echo
	@echo "top-K export: lake/exports/online-retail/latest/top-k.csv (also .parquet); run records: lake/runs/online-retail/"
	@head -n 6 lake/exports/online-retail/latest/top-k.csv
	@echo "report: $$(ls -t lake/runs/online-retail/*.html | head -n 1)"

## ---- MinIO (docker compose) -------------------------------------------------

up: ## Start MinIO (API :9000, console http://localhost:9001) and create the buckets of BERSERKR_RAW and BERSERKR_LAKE
	@if [ ! -f .env ]; then cp .env.example .env; echo "created .env from .env.example: replace its placeholders"; fi
	$(COMPOSE) up -d minio
	$(COMPOSE) run --rm createbuckets

# down names every profile ('*'): without it compose leaves the containers of services
# with a profile (the scheduler) running, and they keep the network from being removed.
down: ## Stop MinIO and the scheduler (its data volume is kept; `docker compose … down -v` deletes it)
	$(COMPOSE) --profile '*' down

seed: build ## Upload the raw files of SEED_DIR (e.g. data/online-retail) that ingest takes to the raw bucket (BERSERKR_RAW, e.g. s3://raw)
	$(if $(filter s3://%,$(BERSERKR_RAW)),,$(error seed: BERSERKR_RAW=$(BERSERKR_RAW) is not an s3:// URI; run make up (creates .env) first))
	$(if $(SEED_DIR),,$(error seed: SEED_DIR is required: the folder of raw files to upload, e.g. make seed SEED_DIR=data/online-retail))
	@$(BERSERKR) seed --from '$(SEED_DIR)' --raw '$(BERSERKR_RAW)' $(if $(BERSERKR_CONFIG),--config '$(BERSERKR_CONFIG)') $(LOG_FLAG) $(if $(OUTPUT),--output $(OUTPUT)) $(SEED_FLAG)

## ---- stages (BERSERKR_RAW, BERSERKR_LAKE, BERSERKR_CONFIG: folders or s3://) --

validate: build ## Check every raw object against the configuration on a sample, writing nothing (BERSERKR_RAW, BERSERKR_CONFIG)
	@$(BERSERKR) validate $(strip $(RAW_FLAG) $(if $(BERSERKR_CONFIG),--config '$(BERSERKR_CONFIG)') $(LOG_FLAG) $(if $(OUTPUT),--output $(OUTPUT)))

ingest: build ## Ingest new raw objects into clean/ and rejects/ Parquet
	@$(BERSERKR) ingest $(strip $(RAW_FLAG) $(LOCATION))

train: build ## Train, calibrate and register a model
	@$(BERSERKR) train $(strip $(LOCATION) $(AS_OF_FLAG) $(TOP_K_FLAG) $(TRAIN_FLAGS))

score: build ## Score candidate pairs (one shard: SHARD=i/N with the RUN_ID and MODEL_ID all shards share)
	@$(BERSERKR) score $(strip $(LOCATION) $(AS_OF_FLAG) $(TOP_K_FLAG) $(SCORE_FLAGS))

export: build ## Re-export the latest top-K lists (or RUN_ID's) without rescoring into exports/<data set>/<run-id>/ (CUSTOMERS=ids.txt for some, TOP_K=3 and MIN_PROBABILITY=0.2 to cut, FORMAT=csv,parquet,jsonl)
	@$(BERSERKR) export $(strip $(LOCATION) $(EXPORT_FLAGS))

pipeline: build ## Run every stage in order (berserkr run)
	@$(BERSERKR) run $(strip $(RAW_FLAG) $(LOCATION)) $(AS_OF_FLAG) $(TOP_K_FLAG) $(TRAIN_FLAGS)

schedule: build ## Retrain on a schedule: SCHEDULE="--cron '0 3 * * *'" (default), --on-new-object or --once; stops after the current step on Ctrl-C/SIGTERM
	@$(BERSERKR) schedule $(SCHEDULE) $(strip $(RAW_FLAG) $(LOCATION)) $(SCHEDULE_AS_OF_FLAG) $(TOP_K_FLAG) $(TRAIN_FLAGS)

runs: build ## List the run records of the data set of BERSERKR_CONFIG (berserkr runs; one in full: berserkr runs show <run-id>)
	@$(BERSERKR) runs $(LOCATION)

bench: build ## Run a benchmark of bench/ on local data: BENCH=ingest (default) or ingest-1gib (bench/README.md)
	node dist/bench/$(BENCH).js
