# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup system-deps bench clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(PY) -m streamlit run app.py --server.port 8501 --server.headless true --browser.gatherUsageStats false

# Debian packages the tests drive (browser, database, speech, DICOM server); CI=true makes a missing one fatal.
system-deps:
	bash tests/system_deps.sh

test: $(STAMP) system-deps
	$(PY) -m pytest -q --tb=short tests

bench: $(STAMP)
	$(PY) -m medapp bench

clean:
	rm -rf $(VENV) var .pytest_cache
