# Two commands for a fresh clone with Python 3.11+ and make:
#   make demo   set up, load a realistic demo district and serve it at http://127.0.0.1:8000
#   make test   run the whole test suite
# Both reuse what is already there when run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A newcomer's machine: development switches on. Production sets its own environment.
export DEBUG ?= true

.PHONY: demo test serve worker lint messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# A newcomer's settings: development on, everything else at its default. Production writes its
# own .env (or environment); an existing .env is never overwritten.
.env:
	cp .env.example .env

$(VENV)/.installed: pyproject.toml | $(BIN)/python .env
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# The demo's published accounts skip two-factor sign-in (an office's administrators and head
# set it up at their first sign-in).
demo: export TWO_FACTOR_REQUIRED_ROLES =
demo: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo --scale small
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: $(VENV)/.installed
	$(BIN)/celery -A bansos worker --loglevel=INFO --concurrency=2

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# After changing translatable text: extract, translate the new entries in
# locale/id/LC_MESSAGES/django.po, then compile (polib, so no gettext install is needed).
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l id --ignore=.venv --ignore=tests --ignore=benchmarks
	$(BIN)/python -c "import polib; polib.pofile('locale/id/LC_MESSAGES/django.po').save_as_mofile('locale/id/LC_MESSAGES/django.mo')"
