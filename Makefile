# Two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv on first use and reinstall only when pyproject.toml or
# constraints.txt change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

# Keep Prefect's database, the data lake and caches inside the checkout unless told otherwise.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PULSE_DATA_DIR ?= $(CURDIR)/data
# The demo and the tests start a temporary Prefect server: Prefect waits 20 s for it, which a
# busy two-core machine (or a first run migrating a fresh database) overruns.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 180

.PHONY: demo test install ui deploy worker clean-data constraints bench

demo: $(STAMP)
	$(BIN)/pulse demo

# Three pytest workers on two cores: the integration tests spend much of their time
# waiting on servers, leases and subprocesses, so a third worker fills those gaps.
test: $(STAMP)
	$(BIN)/python -m pip check
	$(BIN)/python -m pytest -n 3 --dist worksteal

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

# The Prefect UI (and API, and scheduler) over the same database the demo and the CLI
# write to. PREFECT_API_DATABASE_CONNECTION_URL puts it on PostgreSQL (see README).
# `make ui PORT=4300` for another port: the UI's API URL must follow it, or the pages
# load from PORT and then ask 4200 for their data.
PORT = 4200
ui: $(STAMP)
	PREFECT_SERVER_API_PORT=$(PORT) PREFECT_UI_API_URL=http://127.0.0.1:$(PORT)/api \
	  $(BIN)/prefect server start --host 127.0.0.1 --port $(PORT)

# Deployments and workers talk to the server `make ui` started, unless told otherwise.
deploy worker: export PREFECT_API_URL ?= http://127.0.0.1:$(PORT)/api

# Register prefect.yaml's deployments (refused if it disagrees with config/).
deploy: $(STAMP)
	$(BIN)/pulse deploy

# A worker on the process work pool; start one per machine.
worker: $(STAMP)
	$(BIN)/pulse worker

clean-data:
	rm -rf data

# Re-pin every dependency after editing pyproject.toml.
constraints:
	rm -rf .constraints-venv && $(PYTHON) -m venv .constraints-venv
	.constraints-venv/bin/pip install --quiet -e '.[test,bench]'
	{ echo "# Exact versions of every dependency, for 'pip install -c constraints.txt -e .[test]'."; \
	  echo "# Regenerate after changing pyproject.toml: make constraints"; \
	  .constraints-venv/bin/pip freeze --exclude-editable | grep -v '^#' | grep -v '^-e'; } > constraints.txt
	rm -rf .constraints-venv

# Throughput benchmarks against naive baselines, each in one run (see README);
# `process` on 100,000 and 1,000,000 mentions takes about 40 minutes, and the boards'
# benchmark then reuses its 1,000,000-mention lake.
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_summary.py
	$(BIN)/python benchmarks/bench_process.py --profile
	$(BIN)/python benchmarks/bench_boards.py --lake benchmarks/.data/process/n=1000000/flow

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,bench]'
	touch $@
