# Two entry points: `make run` materializes the whole pipeline on the default scenario,
# `make test` runs the test suite. Both create the virtual environment on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME := $(CURDIR)/dagster_home
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# Dagster 1.13 advises the `dg` CLI on every `dagster` command; the commands here work as they are.
export PYTHONWARNINGS := ignore:Function `job_execute_command` is superseded

.PHONY: run test benchmark ui clean setup

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

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
run: $(STAMP)
	@$(BIN)/python -c 'import sys; from pipelines.resources import check_settings; sys.exit(check_settings())'
	@printf 'loggers:\n  console:\n    config: {log_level: %s}\n' '$(LOG_LEVEL)' > $(VENV)/run-logging.yaml
	$(BIN)/dagster job execute -m pipelines.definitions -j main -c $(VENV)/run-logging.yaml
	@$(BIN)/python -c 'from pipelines.resources import print_published_summary; print_published_summary()'

test: $(STAMP)
	$(BIN)/python -m pytest

benchmark: $(STAMP)
	$(BIN)/python benchmarks/pipeline.py $(if $(PEOPLE),--people $(PEOPLE))

ui: $(STAMP)
	$(BIN)/dagster dev

clean:
	rm -rf data dagster_home/storage dagster_home/history dagster_home/logs dagster_home/schedules
