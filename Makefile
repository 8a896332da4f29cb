# Two commands do all the set-up: `make run` and `make test` (see README.md). `make check` before a commit.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The stamp carries a hash of requirements.txt, so changed pins reinstall.
STAMP  := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
# The PDF export embeds a TrueType font with Chinese glyphs (audit/exports/fonts.py): needed to run.
DEBIAN_RUN_PACKAGES  := fonts-wqy-microhei
# Replicas of the app share a PostgreSQL server, with HAProxy in front (`make cluster`, deploy/).
DEBIAN_CLUSTER_PACKAGES := $(DEBIAN_RUN_PACKAGES) postgresql haproxy
# Browser tests also need Debian's Chromium and CJK fonts for the pages; the back-end tests a throwaway
# PostgreSQL (initdb/pg_ctl in a temporary folder) and the replica tests HAProxy in front of them.
DEBIAN_TEST_PACKAGES := $(DEBIAN_CLUSTER_PACKAGES) chromium fonts-noto-cjk nginx

# Install Debian packages ($1) that are missing, with sudo unless root.
define apt_install
	@if ! dpkg -s $(1) >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends $(1); \
	fi
endef

.PHONY: setup db run cluster cluster-deps test test-postgres check check-fast run-deps system-deps demo bench mutants clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

db: setup
	$(BIN)/python -m audit init

# Listens on this machine only by default; AUDIT_BIND=0.0.0.0 opens it to the network (behind TLS: see
# deploy/ and the README's production section).
AUDIT_BIND ?= 127.0.0.1
AUDIT_PORT ?= 8501

run: run-deps db
	$(BIN)/streamlit run server.py --server.address $(AUDIT_BIND) --server.port $(AUDIT_PORT)

# Several replicas on one machine, for trying out the field-force set-up (deploy/README.md, section 4): a
# throwaway PostgreSQL, three replicas on 8601-8603 and HAProxy on 127.0.0.1:8080; Ctrl-C stops them all.
# CLUSTER_ARGS="--demo" fills it with the demo first (python -m tools.cluster --help for the rest).
CLUSTER_ARGS ?=
cluster: setup cluster-deps
	$(BIN)/python -m tools.cluster $(CLUSTER_ARGS)

# PostgreSQL and HAProxy (and the PDF font), installed when missing: the cluster and the tests without a browser.
cluster-deps:
	$(call apt_install,$(DEBIAN_CLUSTER_PACKAGES))

# What the app needs from Debian (the PDF font); installed when missing.
run-deps:
	$(call apt_install,$(DEBIAN_RUN_PACKAGES))

# Tests need that too, plus Chromium and CJK fonts for the browser tests; installed when missing.
system-deps:
	$(call apt_install,$(DEBIAN_TEST_PACKAGES))

# Tests without a browser run on WORKERS processes (pytest-xdist; each has its own demo copy and PostgreSQL):
# they are CPU-bound, and on 2 cores two workers took them from 915 s to 624 s. Browser tests run one at a time:
# each drives a Streamlit server and Chromium with timed waits, which two at a time on 2 cores would starve.
WORKERS ?= auto
# TESTS picks tests by marker: `make test` runs them all (those without a browser, then the browser tests),
# then the back end's tests again on PostgreSQL; .ci/run, after `make check` ran every other test, runs
# `make test TESTS=browser` and `make test-postgres`, so no test runs twice on one back end.
TESTS ?=
test: db system-deps
ifeq ($(TESTS),)
	$(BIN)/python -m pytest -n $(WORKERS) -m "not browser"
	$(BIN)/python -m pytest -m browser
	$(MAKE) test-postgres
else
	$(BIN)/python -m pytest -m "$(TESTS)"
endif

# The tests of what the back end changes (submit, drafts, sign-in and sessions, access, actions, plans, scoring,
# import, exports, backup), once more with --backend postgres (tests/conftest.py): a throwaway PostgreSQL from
# Debian's binaries in a temporary folder on a free port, each test its own database seen through a DuckDB
# copy as every replica sees it. The agreement, concurrency and failover tests run on PostgreSQL anyway.
POSTGRES_TESTS ?= $(addprefix tests/,$(POSTGRES_TEST_FILES))
POSTGRES_TEST_FILES := unit/test_capture.py unit/test_photos.py unit/test_actions.py unit/test_scoring.py \
	unit/test_plans.py pages/test_plans_pages.py unit/test_import.py unit/test_bad_input_import.py \
	unit/test_demo.py unit/test_demo_plans.py pages/test_overdue_order.py unit/test_price_rule.py unit/test_cli.py \
	pages/test_auth.py pages/test_access.py pages/test_concurrency.py
test-postgres: db system-deps
	$(BIN)/python -m pytest -n $(WORKERS) --backend postgres $(POSTGRES_TESTS)

# What a change must pass (README, "Checks"): the fast part (format, lint, types, layers; also the
# pre-commit hook), then every test that needs no browser.
check: check-fast cluster-deps
	$(BIN)/python -m pytest -n $(WORKERS) -m "not browser"

check-fast: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Mutation testing of the core rules (scoring, price check, visit state, scope, submit, formula guard):
# mutmut over the functions that hold them, then tools/rule_mutants.py for the rules written in SQL; fails on a
# surviving mutant its configuration does not explain (README, "Checks"): 790 mutants, about 20 minutes
# on 2 cores at light load; not part of `make check` or CI.
mutants: setup
	$(BIN)/python -m tools.mutants

demo: db
	$(BIN)/python -m audit demo

# Field-scale benchmarks (5,000 stores × 104 weeks, about 5 minutes on 2 cores) into docs/benchmarks.md;
# `make test` runs a tiny version of it (tests/unit/test_bench.py).
bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts mutants
