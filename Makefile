# Wasmbed: the commands a person types. Each target installs what is
# missing (scripts/setup) and builds before it acts.
# SPDX-License-Identifier: Apache-2.0

SHELL     := /bin/bash
MAKEFLAGS += --no-print-directory
PROFILES  := stm32f4-discovery nano33ble uno-r4
JOBS      ?= $(shell nproc)
HOST_DIR  := build/host
TEST_DIR  ?= build/test
CTEST_ARGS ?=
# Components of src/ to build; a subset keeps a partial tree building.
COMPONENTS ?= vm;proto;agent;gateway;emu;cli;controller
CMAKE_ARGS := -DWASMBED_COMPONENTS="$(COMPONENTS)"

.PHONY: all setup host fw test test-build run demo size lint clean help

all: host fw

help:
	@echo "make          build host programs (build/bin) and firmware (build/fw)"
	@echo "make run      the main job"
	@echo "make demo     the main job, stopping once every device ran an app"
	@echo "make test     every test: unit, conformance, integration, e2e"
	@echo "make size     text, data and bss of every firmware image"
	@echo "make lint     line-width check"

setup:
	@scripts/setup

host: setup
	@cmake -S . -B $(HOST_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DWASMBED_BIN_DIR=$(CURDIR)/build/bin $(CMAKE_ARGS) >/dev/null
	@cmake --build $(HOST_DIR) -j $(JOBS)

fw: setup
	@set -e; for p in $(PROFILES); do \
	    cmake -S . -B build/cross/$$p \
	        -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/arm-none-eabi.cmake \
	        -DCMAKE_BUILD_TYPE=MinSizeRel -DWASMBED_BOARD=$$p >/dev/null; \
	    cmake --build build/cross/$$p -j $(JOBS); \
	done

test-build: all
	@cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=Debug \
	    -DWASMBED_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(TEST_DIR) -j $(JOBS)

test: test-build
	@ctest --test-dir $(TEST_DIR) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

run: all
	@scripts/run

# The main job, bounded: exit 0 once every device showed app output.
demo: all
	@scripts/run --demo

size: fw
	@scripts/size-report build/fw

lint:
	@scripts/check-lines

clean:
	rm -rf build
