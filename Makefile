# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_WORKERS ?= 2

export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-fast lint setup system-deps bench clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

# This machine only by default, as the API; ADDRESS=0.0.0.0 serves the department (put TLS in front: README).
ADDRESS ?= 127.0.0.1
PORT ?= 8501

run: $(STAMP)
	mkdir -p var
	$(PY) -m streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# Debian packages the tests drive (browser, database, speech, DICOM server); CI=true makes a missing one fatal.
system-deps:
	bash tests/system_deps.sh

# Two workers (pytest-xdist): much of the suite waits on servers, browsers and subprocesses; see conftest's groups.
# The two workers share two cores: OpenMP threads that spin while they wait (the default) starve the other
# worker (records training took 67 s instead of 3 s beside one busy core; 5 s with passive waiting).
test test-fast: export OMP_WAIT_POLICY := PASSIVE
test test-fast: export KMP_BLOCKTIME := 0
test: $(STAMP) system-deps
	$(PY) -m pytest -q --tb=short --durations=20 -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder tests

# Unit tests only: no browser, no AppTest, no Debian services, no training; under two minutes on 2 cores.
test-fast: $(STAMP)
	$(PY) -m pytest -q --tb=short -n $(TEST_WORKERS) --dist loadgroup -m "not app and not e2e and not system and not slow" tests

lint: $(STAMP)
	$(PY) -m ruff check .

bench: $(STAMP)
	$(PY) -m medapp bench

clean:
	rm -rf $(VENV) var .pytest_cache
