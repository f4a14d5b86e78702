# The order service: build, run and test. `make help` lists the targets.

SWIFT ?= swift
DATA_DIR ?= ./data
# Kills in a `make stress` run of the crash torture (`make test` runs 200).
STRESS_KILLS ?= 5000
BIN_DIR = $(shell $(SWIFT) build --show-bin-path)
# The suites `make test` runs each in a `swift test` of its own, after the others.
TORTURE_SUITES = CrashTorture|ConcurrencyTorture

# System packages the build needs, and those the benchmarks need; installed with apt-get when missing.
APT_PACKAGES = libcurl4-openssl-dev
BENCH_APT_PACKAGES = hyperfine wrk jq bc time curl python3 strace valgrind
# The browser the console's test drives, and its WebDriver.
CONSOLE_APT_PACKAGES = chromium chromium-driver python3-venv
# The FUSE file system under the store in the fault matrix and the EFS model (scripts/faultfs.py).
FAULTFS_APT_PACKAGES = python3-fusepy fuse3

.PHONY: help deps bench-deps build run test console-test contract fuzz stress fault-matrix lint-template package bench \
	bench-functions bench-store bench-store-efs bench-gateway bench-gateway-instructions bench-authorizer bench-reload \
	bench-list bench-scale format-check clean

# Installs the Debian packages named in $(1) that are missing, with apt-get (as root, or through sudo).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi
endef

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

deps: ## Install the system packages the build needs (apt-get; root or sudo)
	$(call apt_install,$(APT_PACKAGES))

bench-deps: deps ## Install what the benchmarks need: hyperfine, wrk, jq, bc, GNU time, curl, python3, fusepy (apt-get)
	$(call apt_install,$(BENCH_APT_PACKAGES) $(FAULTFS_APT_PACKAGES))

build: deps ## Build every function (debug)
	$(SWIFT) build

run: build ## Serve the API on 127.0.0.1:3000 with the local gateway, against $(DATA_DIR)
	@echo "Every route needs a token from the development identity in $(DATA_DIR). In another terminal:"
	@echo "  TOKEN=\$$($(BIN_DIR)/local-gateway token --data-dir $(DATA_DIR) --sub alice \\"
	@echo "      --scope 'orders/create orders/read orders/update-status orders/admin')"
	@echo "  curl -H \"Authorization: Bearer \$$TOKEN\" http://127.0.0.1:3000/orders"
	@echo "The order console, which asks for such a token: http://127.0.0.1:3000/console"
	$(BIN_DIR)/local-gateway start-api --template template.yaml --data-dir $(DATA_DIR) --functions-dir $(BIN_DIR)

test: build lint-template ## Run every test (swift test, the fault matrix, the contract test, the console in a browser), check template.yaml
	# The gateway's suites apart from the others: both start many processes and servers, and the tests' timing
	# bounds assume that a test process is not sharing its few threads with twice as many suites.
	$(SWIFT) test --skip '$(TORTURE_SUITES)|GatewayTests'
	$(SWIFT) test --filter GatewayTests --skip '$(TORTURE_SUITES)'
	# Each torture alone: one keeps both cores busy, the other measures how many processes run at once, and beside
	# other suites neither would measure what it says.
	$(SWIFT) test --filter CrashTorture
	$(SWIFT) test --filter ConcurrencyTorture
	$(call apt_install,$(FAULTFS_APT_PACKAGES))
	scripts/fault-matrix.py --bin "$(BIN_DIR)" --durability fail
	scripts/contract-test.sh  # not `make contract`: its `swift build` would rebuild what `swift test` just built
	$(call apt_install,$(CONSOLE_APT_PACKAGES))
	scripts/console-test.sh

console-test: build ## The order console in headless Chromium (apt-get); screenshots in .build/console-screenshots
	$(call apt_install,$(CONSOLE_APT_PACKAGES))
	scripts/console-test.sh

contract: build ## Check the running service against openapi.yaml with schemathesis (bounded; pip-installed when missing)
	scripts/contract-test.sh

fuzz: build ## The contract test with many more generated requests (CONTRACT_MAX_EXAMPLES, default 500)
	CONTRACT_MAX_EXAMPLES=$${CONTRACT_MAX_EXAMPLES:-500} scripts/contract-test.sh

fault-matrix: build ## Fail each file-system operation of the writes, a delivery and the reads in turn (FUSE; root)
	$(call apt_install,$(FAULTFS_APT_PACKAGES))
	scripts/fault-matrix.py --bin "$(BIN_DIR)" --durability fail

stress: build ## Crash torture at length: SIGKILL the handlers STRESS_KILLS (5000) times, then check the store
	ORDER_TORTURE_KILLS=$(STRESS_KILLS) $(SWIFT) test --filter CrashTorture

lint-template: ## Check the templates with cfn-lint (pip-installed when missing), and with `sam validate` where installed
	@command -v cfn-lint >/dev/null || python3 -m pip install -q cfn-lint
	cfn-lint template.yaml fixtures/gateway/template.yaml
	@if command -v sam >/dev/null; then sam validate --lint --template template.yaml --region us-east-1; \
	else echo "lint-template: sam (aws-sam-cli) is not installed; skipping sam validate"; fi

package: deps ## Build the Lambda zips (.build/lambda/<function>.zip) and check their glibc symbol versions
	scripts/package.sh

bench: bench-deps ## Run every benchmark below (about 8 min after the build) and rewrite BENCHMARKS.md: figures, machine, targets
	scripts/bench.sh

bench-functions: bench-deps ## Each function per process against /bin/true and in-process, and its peak memory
	scripts/bench-functions.sh

bench-store: bench-deps ## The store's durable writes against temp write + fsync + rename + directory fsync, then on a model of EFS
	scripts/bench-store.sh
	scripts/bench-store-efs.sh

bench-store-efs: bench-deps ## create-order and a status update per process on faultfs with EFS-like latency (1 ms metadata, 3 ms fsync)
	scripts/bench-store-efs.sh

bench-gateway: bench-deps ## The local gateway under wrk, per request and warm, its peak memory, and reads against a hanging webhook
	scripts/bench-gateway.sh

bench-gateway-instructions: bench-deps ## The gateway's instructions per warm request (callgrind): repeatable where CPU time is not
	scripts/bench-gateway-instructions.sh

bench-authorizer: bench-deps ## The gateway's CPU per warm request with the JWT authorizer on and with --no-auth
	scripts/bench-authorizer.sh

bench-reload: bench-deps ## How soon start-api --warm serves a function's new build once its executable is replaced
	scripts/bench-reload.sh

bench-list: bench-deps ## list-orders at 1,000 and 100,000 orders (hyperfine)
	scripts/bench-list.sh

bench-scale: bench-deps ## The store at 1,000 and 1,000,000 orders: pages, get-order, reindex, files and bytes per order (not in `bench`: 20+ min)
	scripts/bench-scale.sh

format-check: ## Check formatting against .swift-format
	$(SWIFT) format lint --strict --recursive Package.swift Sources functions Benchmarks Tests

clean: ## Remove build products and the local data directory
	rm -rf .build $(DATA_DIR)
