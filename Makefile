# The two commands a newcomer needs: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STUDIO_PORT ?= 8501

.PHONY: run test test-fast lint format typecheck bench gpu-check screenshots clean

# torch goes in first and alone; the -c constraint keeps any later package from replacing it.
$(STAMP): requirements-torch.txt requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-torch.txt
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-r requirements.txt -r requirements-dev.txt -c requirements-torch.txt
	touch $(STAMP)

run: $(STAMP)
	STUDIO_PORT=$(STUDIO_PORT) $(PY) -m studio

# Every test: the quick tier on both cores at once, then the slow one (browsers, processes,
# Redis, timed waits) alone, so its timings see a quiet machine.
test: $(STAMP)
	$(PY) -m pytest -m "not slow" -n 2
	$(PY) -m pytest -m slow

# The inner loop: no browser, no studio or worker process, no Redis (tests/conftest.py marks them).
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" -n 2

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: $(STAMP)
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) -m bench --quick

# On a GPU machine: each family's default model, full size, ours against the plain call
# (bench/gpu/); writes bench/results/cuda-<date>.md/.json.
gpu-check: $(STAMP)
	$(PY) -m bench --device cuda --cases gpu_check

# The README's pictures: the browser tour takes them, then they are shrunk into docs/screenshots/.
screenshots: $(STAMP)
	$(PY) -m pytest tests/studio/test_browser_tour.py -q
	$(PY) -m tests.docs_screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-output
