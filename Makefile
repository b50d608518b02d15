# dockcert: `make test` is what CI runs (.ci/run); `make bench` measures the speed targets.
CARGO ?= cargo

.PHONY: all build release test fmt-check clippy bench install clean

all: build

build:
	$(CARGO) build

release:
	$(CARGO) build --release

## The full check: formatting, lints with warnings as errors, and every test.
test: fmt-check clippy
	$(CARGO) test --all-targets

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

## Benchmarks (bench/): init against the openssl recipe of Docker's guide, then audit of 1,000
## client directories against one `openssl verify` process; prints medians and ratios.
bench: release
	$(CARGO) build --release --example bench_clients
	python3 bench/bench.py --binary target/release/dockcert; init=$$?; \
	python3 bench/audit.py --binary target/release/dockcert; audit=$$?; \
	test $$init -eq 0 && test $$audit -eq 0

install:
	$(CARGO) install --path . --locked

clean:
	$(CARGO) clean
