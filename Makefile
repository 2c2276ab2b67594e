# Moments of Truth — the commands a new user types.
#   make test    set up .venv (first time only) and run the whole test suite
#   make play    set up and start the game (headless demo when there is no display)
# Also: make setup (idempotent), make demo (the softphone story, unprepared vs prepared,
# headless), make bench (benchmarks; make bench-game for the game's frame time alone).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup test play demo bench bench-game lint clean

setup: $(STAMP)

# Re-installs only when pyproject.toml changes; the stamp makes `make setup` idempotent.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(STAMP)

test: setup
	$(BIN)/python -m pytest -q

play: setup
	$(BIN)/itsm play

demo: setup
	$(BIN)/itsm compare softphone-cutover --variant unprepared=policy:unprepared \
	    --variant prepared=policy:prepared --replications 20

bench: setup
	$(BIN)/python bench/run.py

# the game's frame time at top speed only (half a minute)
bench-game: setup
	$(BIN)/python bench/bench_game.py --record

lint: setup
	$(BIN)/ruff check sim cli game reports tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
