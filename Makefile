# samhandling — `make run` starts everything on one machine; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install node css run test test-fast lint migrate demo lock compose-config clean
.PHONY: faults translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# axe-core for the accessibility tests (tests/browser); without npm those tests say why they skip.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

node: $(if $(shell command -v npm 2>/dev/null),$(NODE_STAMP))

# Designsystemet's CSS and its Digdir theme, copied from npm into the intake's static folder and
# committed (with their MIT licences), so `make run` needs no npm. Run after changing their versions.
DS_STATIC := services/intake/static/designsystemet
# Inter, the theme's typeface (--ds-font-family), self-hosted: Latin and Latin Extended (Sámi letters), OFL.
INTER := node_modules/@fontsource-variable/inter
FONTS_STATIC := services/intake/static/fonts
css: $(NODE_STAMP)
	mkdir -p $(FONTS_STATIC)
	cp node_modules/@digdir/designsystemet-css/dist/src/index.css $(DS_STATIC)/designsystemet.css
	cp node_modules/@digdir/designsystemet-theme/brand/digdir.css $(DS_STATIC)/theme-digdir.css
	cp node_modules/@digdir/designsystemet-css/LICENSE $(DS_STATIC)/LICENSE-designsystemet-css
	cp node_modules/@digdir/designsystemet-theme/LICENSE $(DS_STATIC)/LICENSE-designsystemet-theme
	cp $(INTER)/files/inter-latin-wght-normal.woff2 $(INTER)/files/inter-latin-ext-wght-normal.woff2 $(FONTS_STATIC)/
	cp $(INTER)/LICENSE $(FONTS_STATIC)/LICENSE-inter

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m dev.run

test: $(STAMP) node
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not integration and not faults" $(PYTEST_ARGS)

# The nynorsk and English catalogs (shared/translations, message ids in bokmål; see shared/i18n.py):
# extract every _(), gettext(), N_() and Message() from the code and templates, merge the new and
# changed ones into the .po files (a changed text turns fuzzy), then show what is left to translate.
# No .mo files: each process compiles the .po files in memory, so a clean clone needs no build step.
POT := shared/translations/messages.pot
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k Message --width=120 --project=samhandling -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d shared/translations --width=120 --ignore-obsolete
	$(BIN)/python -m pytest -q tests/unit/test_catalogs.py

# The house rules, each with zero findings: ruff ([tool.ruff.lint]), mypy on shared/ and services/
# ([tool.mypy]) and the import contracts ([tool.importlinter]). .ci/run runs it before the tests.
lint: $(STAMP)
	$(BIN)/ruff check shared services dev tests bench migrations
	$(BIN)/mypy shared services
	$(BIN)/lint-imports

# The fault scenarios at scale (FAULT_COMPLAINTS complaints each, default 1000); prints a table.
faults: $(STAMP)
	FAULT_COMPLAINTS=$${FAULT_COMPLAINTS:-1000} $(BIN)/python -m tests.faults.scale

migrate: $(STAMP)
	$(BIN)/python -m shared.cli migrate

demo: $(STAMP)
	$(BIN)/python -m shared.cli load-demo

# Regenerate the pinned versions from what is installed in the venv.
lock: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

# Benchmarks against a throw-away PostgreSQL database (samhandling_bench) and Redis db 5;
# each prints its table and ratio and writes its section of bench/RESULTS.md. Needs wrk.
# BENCH_E2E_ARGS="--seconds 60 --embedded-seconds 30" shortens the embedded-Redis run.
.PHONY: bench
BENCH_E2E_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.notifier
	$(BIN)/python -m bench.e2e $(BENCH_E2E_ARGS)

# The cost of growth: the case list, compliance and routing at 1,000 / 10,000 / 100,000 cases
# and 2,000 borettslag (same throw-away database; a few minutes). Needs only PostgreSQL.
.PHONY: bench-growth bench-workspace
bench-growth: $(STAMP)
	$(BIN)/python -m bench.growth

# The workspace's inbox and case page at 100,000 cases and 1,000,000 history rows (issue 12).
bench-workspace: $(STAMP)
	$(BIN)/python -m bench.workspace

compose-config:
	docker-compose -f docker-compose.yml config --quiet

clean:
	rm -rf $(VENV) var *.egg-info
