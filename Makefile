# Moments of Truth — the commands a new user types.
#   make test    set up .venv (first time only) and run the whole test suite
#   make play    set up and start the game (headless demo when there is no display)
# Also: make setup (idempotent), make demo (the softphone story, unprepared vs prepared,
# headless), make bench (benchmarks; make bench-game for the game's frame time alone).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup test play demo bench bench-game screenshots lint clean

setup: $(STAMP)

# Re-installs only when pyproject.toml changes; the stamp makes `make setup` idempotent.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(STAMP)

# on every core, one test file per worker (a file's tests share their set-up, e.g. the
# game's journey); `make test PYTEST_WORKERS=0` runs them one after another
PYTEST_WORKERS ?= auto
test: setup
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile

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

# the game's screenshots in docs/screenshots (the README shows them), from the journey test
SHOTS := .screenshots
screenshots: setup
	rm -rf $(SHOTS)
	ITSM_SCREENSHOTS=$(SHOTS) $(BIN)/python -m pytest -q tests/test_game.py -k every_screen
	mkdir -p docs/screenshots
	cp $(SHOTS)/*-floor-monday-10.png docs/screenshots/floor.png
	cp $(SHOTS)/*-preparation.png docs/screenshots/preparation.png
	cp $(SHOTS)/*-decision.png docs/screenshots/decision.png
	cp $(SHOTS)/*-debrief-summary.png docs/screenshots/debrief.png
	cp $(SHOTS)/*-debrief-whatif.png docs/screenshots/twin.png
	rm -rf $(SHOTS)

lint: setup
	$(BIN)/ruff check sim cli game reports tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
