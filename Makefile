# The order service: build, run and test. `make help` lists the targets.

SWIFT ?= swift
DATA_DIR ?= ./data
BIN_DIR = $(shell $(SWIFT) build --show-bin-path)

# System packages the build needs, installed with apt-get when missing.
APT_PACKAGES = libcurl4-openssl-dev

.PHONY: help deps build run test format-check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

deps: ## Install the system packages the build needs (apt-get; root or sudo)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

build: deps ## Build every function (debug)
	$(SWIFT) build

run: build ## Run the three functions on sample events against $(DATA_DIR) and print their answers
	@scripts/demo.sh "$(BIN_DIR)" "$(DATA_DIR)"

test: build ## Run every test
	$(SWIFT) test

format-check: ## Check formatting against .swift-format
	$(SWIFT) format lint --strict --recursive Package.swift Sources functions Tests

clean: ## Remove build products and the local data directory
	rm -rf .build $(DATA_DIR)
