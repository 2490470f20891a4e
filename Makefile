# Two entry points: `make run` materializes the whole pipeline on the default scenario,
# `make test` runs the test suite. Both create the virtual environment on first use:
# `make run` installs what the pipeline needs, `make test` adds the test tools (Spark, the
# browser driver, scipy, ...). Any Python from 3.11 to 3.13: make run PYTHON=python3.13
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# uv installs the locked dependencies: requirements.lock (the pipeline's) and
# requirements-dev.lock (with the test tools), each one lock for every supported Python;
# pip installs uv itself from the package index into .tools/ on first use.
# Installs compile every module to bytecode: where Python may not write its cache (as with
# PYTHONDONTWRITEBYTECODE, common in containers and CI) each process would otherwise compile
# Dagster, dbt and their dependencies again, about 5 seconds per start.
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
RUNTIME := $(VENV)/.installed-runtime
DEVELOPMENT := $(VENV)/.installed-dev

export DAGSTER_HOME := $(CURDIR)/dagster_home
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# Dagster 1.13 advises the `dg` CLI on every `dagster` command; the commands here work as they are.
export PYTHONWARNINGS := ignore:Function `job_execute_command` is superseded
# An interpreter outside the supported versions is an error that names it, never a download.
export UV_PYTHON_DOWNLOADS := never

.PHONY: help run test benchmark ui clean setup

help:
	@echo "make run        generate the default scenario, build the warehouse and its metrics, run every check"
	@echo "                (options: PEOPLE=500000 SEED=7 SCENARIO=path/to/scenario.yaml LOG_LEVEL=DEBUG)"
	@echo "make test       the test suite (what CI runs)"
	@echo "make ui         the Dagster UI on http://localhost:3000"
	@echo "make benchmark  time and memory of every stage (PEOPLE=1000000)"
	@echo "make setup      only create .venv with what the pipeline needs"
	@echo "make clean      remove the data and Dagster's run history"
	@echo "Any Python from 3.11 to 3.13: add PYTHON=python3.13 (default: python3)"

setup: $(RUNTIME)

# A virtual environment of its own: pip installs there even where the system Python is
# externally managed.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# A .venv made with another Python stays: remove it to switch (rm -rf .venv).
$(RUNTIME): requirements.lock pyproject.toml | $(UV)
	test -x $(BIN)/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

$(DEVELOPMENT): requirements-dev.lock $(RUNTIME)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements-dev.lock
	touch $@

# Materialize every asset (generate -> warehouse -> metrics, with all checks) on the default
# scenario. Optional: make run PEOPLE=500000 SEED=7 SCENARIO=path/to/scenario.yaml
# The settings reach Dagster as EGS_* variables, exported by make so that no value passes
# through the shell. A check runs first: a bad value (or scenario) stops the run in a
# second with one line naming it, instead of a traceback after Dagster has started.
run: export EGS_PEOPLE = $(PEOPLE)
run: export EGS_SEED = $(SEED)
run: export EGS_SCENARIO = $(or $(SCENARIO),netherlands)
# The run logs at INFO (what each step did); LOG_LEVEL=DEBUG shows every Dagster event.
LOG_LEVEL ?= INFO
run: $(RUNTIME)
	@$(BIN)/python -c 'import sys; from pipelines.resources import check_settings; sys.exit(check_settings())'
	@printf 'loggers:\n  console:\n    config: {log_level: %s}\n' '$(LOG_LEVEL)' > $(VENV)/run-logging.yaml
	$(BIN)/dagster job execute -m pipelines.definitions -j main -c $(VENV)/run-logging.yaml
	@$(BIN)/python -c 'from pipelines.resources import print_published_summary; print_published_summary()'

# Two processes, one per core of the CI machine: each takes whole test files (--dist loadfile),
# so a file's module fixtures are built once, in the order tests/conftest.py gives them, the
# longest files first (--no-loadscope-reorder keeps it). Running pytest directly
# (`.venv/bin/python -m pytest tests/test_report.py`) stays in one process.
test: $(DEVELOPMENT)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

benchmark: $(DEVELOPMENT)
	$(BIN)/python benchmarks/pipeline.py $(if $(PEOPLE),--people $(PEOPLE))

ui: $(RUNTIME)
	$(BIN)/dagster dev

clean:
	rm -rf data dagster_home/storage dagster_home/history dagster_home/logs dagster_home/schedules
