# civicdesk: `make run` to start the workbench, `make test` to run every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.DEFAULT_GOAL := help
.PHONY: help install run demo test bench notebook clean-store

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) ## Install everything into .venv (only when requirements change)

run: install ## Build the demo district on first run, then start the app on port $(PORT)
	$(VENV)/bin/civicdesk demo --if-empty
	$(VENV)/bin/civicdesk staffing calibrate --if-missing
	$(VENV)/bin/streamlit run app/streamlit_app.py --server.port $(PORT)

demo: install ## Rebuild the demo district into the store (replaces demo tickets)
	$(VENV)/bin/civicdesk demo

test: install ## Run the whole test suite
	$(PY) -m pytest

bench: install ## Run the benchmarks; results go to benchmarks/results/*.json
	$(PY) benchmarks/bench_store.py
	$(PY) benchmarks/bench_import.py
	$(PY) benchmarks/bench_import_lock.py
	$(PY) benchmarks/bench_forecast.py
	$(PY) benchmarks/bench_staffing.py
	$(PY) benchmarks/bench_staffing_validation.py
	$(PY) benchmarks/bench_drivers.py
	$(PY) benchmarks/bench_drivers_topics.py
	$(PY) benchmarks/bench_briefing.py
	$(PY) benchmarks/bench_concurrency.py
	$(PY) benchmarks/bench_fuzz.py
	$(PY) benchmarks/bench_hot_paths.py

notebook: install ## Open JupyterLab on notebooks/ with the library importable
	$(VENV)/bin/jupyter lab notebooks/

clean-store: ## Delete the default SQLite store (data/civicdesk.db)
	rm -f data/civicdesk.db data/civicdesk.db-wal data/civicdesk.db-shm
