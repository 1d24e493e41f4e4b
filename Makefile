# platlas: the two commands (`make demo`, `make test`) and their parts.
# Every target installs what is missing first (Debian packages via scripts/install-deps.sh).

SHELL := /bin/bash
SWIFT ?= swift
RELEASE_BIN := .build/release
export OPENBLAS_NUM_THREADS ?= 1
export OMPI_ALLOW_RUN_AS_ROOT ?= 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM ?= 1
export OMPI_MCA_rmaps_base_oversubscribe ?= 1

.PHONY: all deps build debug demo test unit-test mpi-test slurm-test nodes-test bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product platlas
	$(SWIFT) build -c release --product platlas-mpi-tests

debug: deps
	$(SWIFT) build

demo: build
	@scripts/demo.sh

# The command-line tests run the release binary (PLATLAS_BINARY): the debug build is many
# times slower on the manifold and sweep cases.
test: build
	$(SWIFT) build --build-tests
	PLATLAS_BINARY=$(CURDIR)/$(RELEASE_BIN)/platlas $(SWIFT) test
	Tests/mpi/run.sh $(RELEASE_BIN)
	Tests/slurm/run.sh $(RELEASE_BIN)
	Tests/nodes/run.sh $(RELEASE_BIN)
	@echo "make test: all suites passed"

unit-test: deps
	$(SWIFT) test

mpi-test: build
	Tests/mpi/run.sh $(RELEASE_BIN)

slurm-test: build
	Tests/slurm/run.sh $(RELEASE_BIN)

# Two simulated nodes (network, UTS and mount namespaces, a bridge; docs/cluster.md, "Two
# nodes"). Skips, and passes, where the machine allows no namespaces.
nodes-test: build
	Tests/nodes/run.sh $(RELEASE_BIN)

bench: build
	@scripts/bench.sh $(RELEASE_BIN)

clean:
	rm -rf .build demo-output
