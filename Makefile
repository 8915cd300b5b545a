# Yanzhao: `make run` starts the kiosk on the demo world, `make test` runs the suite.
# Both install what is missing first (system packages included), so a fresh Debian machine
# needs nothing else.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_HOME ?= demo-home
# With a photo for every practitioner the national run needs ~300 GB of disk; 0.1 needs ~60 GB.
PHOTO_FRACTION ?= 1.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-deps run demo test bench bench-national clean

install: system-deps $(STAMP)

# libzbar0 is the only system library we need (pyzbar loads it at run time).
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libzbar\.so\.0'; then \
	  echo "installing libzbar0"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends libzbar0; \
	fi
	@command -v tmux >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends tmux; } || true

$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

demo: install
	@$(VPY) main.py demo --home $(DEMO_HOME) --if-missing

run: demo
	$(VPY) main.py --home $(DEMO_HOME)

test: install
	$(VPY) -m pytest

bench: install
	$(VPY) -m bench.run

bench-national: install
	$(VPY) -m bench.run --national --photo-fraction $(PHOTO_FRACTION)

clean:
	rm -rf $(VENV) $(DEMO_HOME) build *.egg-info
