# The two commands a fresh machine needs are `make run` and `make test`; both create the
# virtual environment first when it is missing (and reuse it, fast, when it is there).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench fuzz explore clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/exchange-twin run scenarios

test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check connector simulator tests benchmarks fuzz
	$(BIN)/ruff format --check connector simulator tests benchmarks fuzz

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The long fuzzing profile: every fuzz/<target>.py at 10,000 inputs and the convergence state
# machine at 2,000 examples; prints the counts table, exits non-zero on any unclean outcome.
fuzz: $(STAMP)
	$(BIN)/python -m fuzz

# 2,000 generated worlds and fault timelines on a local Dask cluster, invariants checked,
# failures shrunk into explore-failures/ (docs/invariants.md)
explore: $(STAMP)
	$(BIN)/exchange-twin explore --seeds 1-2000 --workers 2 --html explore-failures/report.html

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .bench build dist *.egg-info .traces explore-failures
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
