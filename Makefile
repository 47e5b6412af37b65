# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install lint bench clean

$(BIN)/jiceng: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/jiceng

demo: $(BIN)/jiceng
	JICENG_ENV=demo $(BIN)/jiceng migrate --noinput --verbosity 0
	JICENG_ENV=demo $(BIN)/jiceng collectstatic --noinput --verbosity 0
	JICENG_ENV=demo $(BIN)/jiceng demo --if-empty
	JICENG_ENV=demo $(BIN)/gunicorn jiceng.wsgi --bind $(HOST):$(PORT) --workers 3 \
		--access-logfile - --timeout 120

test: $(BIN)/jiceng
	$(BIN)/pytest -n 2 -p no:cacheprovider

lint: $(BIN)/jiceng
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/jiceng
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info
