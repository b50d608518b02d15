# dockcert: `make test` is what CI runs (.ci/run); `make bench` measures the speed targets.
CARGO ?= cargo

.PHONY: all build release test peers fmt-check clippy bench crash install clean

all: build

build:
	$(CARGO) build

release:
	$(CARGO) build --release

## The full check: the real peers installed (tests/install-peers.sh), formatting, lints with
## warnings as errors, and every test.
test: peers fmt-check clippy
	$(CARGO) test --all-targets

## Installs what the tests talk to (docker.io, openssl, Go, OpenSSH, the Python docker SDK) when
## run as root with apt; otherwise says loudly what is missing.
peers:
	bash tests/install-peers.sh

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

## Benchmarks (bench/): init against Docker's openssl recipe; verify against the docker CLI and
## curl on a dockerd of its own (needs root and docker.io); issuing 1,000 certificates; audit of
## 1,000 client directories against one `openssl verify` process; the journal's cost on
## `issue server --from` of 1,000 and the recovery time after a kill; provision of 5 namespace
## hosts (real sshd and Debian's dockerd init script; needs root), the fleet against the slowest
## single host. Each prints its figures and
## fails when a target is missed; all always run.
bench: release
	$(CARGO) build --release --example bench_clients
	status=0; \
	python3 bench/bench.py --binary target/release/dockcert || status=1; \
	python3 bench/verify.py --binary target/release/dockcert || status=1; \
	python3 bench/issue.py --binary target/release/dockcert || status=1; \
	python3 bench/audit.py --binary target/release/dockcert || status=1; \
	python3 bench/journal.py --binary target/release/dockcert || status=1; \
	python3 bench/provision.py --binary target/release/dockcert || status=1; \
	exit $$status

## The crash test at a larger scale than CI's: every index of every transaction step and ten times
## the random kills (DOCKCERT_CRASH_SCALE), plus the full-disk, I/O-error and parallel tests.
crash:
	DOCKCERT_CRASH_SCALE=10 $(CARGO) test --test it -- crash:: faults:: --nocapture

PREFIX ?= /usr/local

## The binary (cargo install), its man page and bash completion.
install:
	$(CARGO) install --path . --locked --root $(PREFIX)
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(PREFIX)/bin/dockcert man > $(DESTDIR)$(PREFIX)/share/man/man1/dockcert.1
	$(PREFIX)/bin/dockcert completions bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dockcert

clean:
	$(CARGO) clean
