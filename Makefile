# Một Cửa — one definition of each tool command; CI (.ci/run) calls `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_FLAGS ?=

.PHONY: help setup demo run test test-unit test-e2e train bench lint format typecheck lock lock-rasa migrate clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## build .venv (app) and .venv-rasa (Rasa 3.6, cached outside the clone); idempotent
	@bash scripts/setup.sh all

train: setup ## train the Rasa model into models/ (only when the training data changed)
	@bash scripts/train.sh

migrate: setup ## apply database migrations
	@$(VENV)/bin/motcua db upgrade

demo: migrate ## load the procedure catalog and the demo dossiers (idempotent)
	@$(VENV)/bin/motcua import-procedures data/procedures
	@$(VENV)/bin/motcua import-dossiers --no-notices data/demo/dossiers.csv

run: setup train demo ## start Rasa, actions, gateway and reminder worker; Ctrl-C stops all
	@$(PY) -m bot.devstack

lint: setup ## ruff
	@$(VENV)/bin/ruff check core bot actions nlu tests benchmarks migrations
	@$(VENV)/bin/ruff format --check core bot actions nlu tests benchmarks migrations

format: setup ## ruff format and autofix
	@$(VENV)/bin/ruff format core bot actions nlu tests benchmarks migrations
	@$(VENV)/bin/ruff check --fix core bot actions nlu tests benchmarks migrations

typecheck: setup ## mypy (strict for core, bot, actions)
	@$(VENV)/bin/mypy

test-unit: setup ## fast tests only
	@$(PY) -m pytest -m "not slow" $(PYTEST_FLAGS)

test-e2e: setup ## the slow tier: trains a model, talks to real Rasa + actions + gateway
	@$(PY) -m pytest -m slow $(PYTEST_FLAGS)

test: setup lint typecheck ## everything: lint, types, unit, storage and end-to-end tiers
	@$(PY) -m pytest $(PYTEST_FLAGS)

bench: setup ## benchmarks -> benchmarks/results/latest.json (BENCH="nlu search" for some)
	@$(PY) -m benchmarks.run $(BENCH)

lock: ## re-pin the app's dependencies (requirements.lock)
	@$(PY) -m pip install --quiet uv && $(VENV)/bin/uv pip compile pyproject.toml --extra dev -p 3.11 --generate-hashes --no-header -o requirements.lock

lock-rasa: setup ## re-pin the Rasa environment from its current contents
	@{ echo "# Rasa Open Source environment (Python 3.10). Fully pinned; regenerate with 'make lock-rasa'."; .venv-rasa/bin/pip freeze; } > nlu/requirements.lock

clean: ## remove the environments' links, models and local data (not the Rasa cache)
	rm -rf $(VENV) .venv-rasa models var .pytest_cache .mypy_cache .ruff_cache
