# Data Demands: `make run` serves the site with the bundled data; `make test` runs the tests.
# Needs only Python 3.11 and make. DATABASE_URL / CELERY_BROKER_URL switch to PostgreSQL / Redis.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install migrate data lint format typecheck worker beat benchmark clean

$(STAMP): pyproject.toml scripts/requirements.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python scripts/requirements.py > $(VENV)/requirements.txt
	$(BIN)/python -m pip install --quiet -r $(VENV)/requirements.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

data: migrate
	$(BIN)/python manage.py load_bundled_data

run: data
	@echo ""
	@echo "Data Demands: http://$(HOST):$(PORT)/   (staff admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Create a staff account with:  $(BIN)/python manage.py createsuperuser"
	@echo ""
	@if [ -n "$$CELERY_BROKER_URL" ]; then $(BIN)/celery -A dashboard worker --loglevel=INFO --concurrency=1 & fi; \
	exec $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -r dashboard reports -ll -q
	$(BIN)/mypy dashboard reports
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy dashboard reports

worker: install
	$(BIN)/celery -A dashboard worker --loglevel=INFO

beat: install
	$(BIN)/celery -A dashboard beat --loglevel=INFO

clean:
	rm -rf $(VENV) var staticfiles
