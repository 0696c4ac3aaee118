# Foundry: `make dev` runs all four processes, `make test` runs the whole suite.
# Both run `make setup` first, which is quick once the machine is set up (see scripts/setup).

.PHONY: setup dev test check bench

VENV := .venv
BENCH ?= reactive
ARGS ?=

setup:
	@scripts/setup

dev: setup
	$(VENV)/bin/foundry dev $(ARGS)

test: setup
	$(VENV)/bin/pytest $(ARGS)

check: setup
	scripts/check

# make bench BENCH=reactive ARGS="--driver postgres --json"
bench: setup
	$(VENV)/bin/foundry bench $(BENCH) $(ARGS)
