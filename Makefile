# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The stamp carries a hash of requirements.txt, so changed pins reinstall.
STAMP  := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
DEBIAN_TEST_PACKAGES := chromium fonts-noto-cjk

.PHONY: setup db run test system-deps demo clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)

db: setup
	$(BIN)/python -m audit init

run: db
	$(BIN)/streamlit run app.py --server.port 8501

# Browser tests need Debian's Chromium and CJK fonts; install them when missing.
system-deps:
	@if ! dpkg -s $(DEBIAN_TEST_PACKAGES) >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends $(DEBIAN_TEST_PACKAGES); \
	fi

test: db system-deps
	$(BIN)/python -m pytest

demo: db
	$(BIN)/python -m audit demo

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
