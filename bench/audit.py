#!/usr/bin/env python3
"""Benchmark `dockcert audit` over 1,000 client directories against ONE `openssl verify` process.

Usage: python3 bench/audit.py [--runs N] [--count N] [--binary target/release/dockcert]
                              [--generator target/release/examples/bench_clients] [--json FILE]

Setup (untimed): the generator (examples/bench_clients.rs, dockcert's own pki module) issues
COUNT ECDSA P-256 client certificates from one CA into dir1 … dirCOUNT (ca.pem, cert.pem, key.pem
each) in a temporary directory (removed afterwards; set TMPDIR to choose where).

Two cases, each run N times after one untimed warm-up, wall time of the whole process:

  dockcert audit      dockcert audit dir1 … dirCOUNT   (every lint on: path building and
                      signatures with rustls-webpki, validity, EKU, keys, modes, serials, …)
  openssl verify      openssl verify -CAfile ca.pem dir1/cert.pem … dirCOUNT/cert.pem
                      (chain checks only, no lints)

Target: the median of dockcert audit <= the median of openssl verify (ratio <= 1.00).
dockcert runs with HOME, DOCKCERT_HOME, DOCKER_CERT_PATH and DOCKER_CONFIG inside the temporary
directory, so it never touches the real home.

Exit status: 0 target met, 1 target missed, 2 the benchmark could not run.
Python 3 standard library only.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
TARGET = 1.00


def fail(message):
    print(f"audit.py: {message}", file=sys.stderr)
    sys.exit(2)


def target_dir():
    value = os.environ.get("CARGO_TARGET_DIR")
    return Path(value) if value else REPO_DIR / "target"


def parse_args():
    parser = argparse.ArgumentParser(
        description="Time `dockcert audit` over many client directories against one "
        "`openssl verify` process.",
        epilog="Exit status: 0 target met, 1 target missed, 2 the benchmark could not run.",
    )
    parser.add_argument("--runs", type=int, default=7, metavar="N",
                        help="timed runs per case, after one untimed warm-up (default: 7)")
    parser.add_argument("--count", type=int, default=1000, metavar="N",
                        help="client directories to issue and check (default: 1000)")
    parser.add_argument("--binary", type=Path, default=None, metavar="PATH",
                        help="the dockcert binary (default: target/release/dockcert)")
    parser.add_argument("--generator", type=Path, default=None, metavar="PATH",
                        help="the generator (default: target/release/examples/bench_clients)")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE",
                        help="also write the medians and the ratio to FILE as JSON")
    args = parser.parse_args()
    if args.runs < 1 or args.count < 1:
        parser.error("--runs and --count must be at least 1")
    return args


def executable(path, hint):
    path = path.resolve()
    if not path.is_file() or not os.access(path, os.X_OK):
        fail(f"no executable at {path}; {hint}")
    return path


def timed(command, env, cwd, expect_ok):
    start = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if expect_ok and result.returncode != 0:
        fail(f"`{command[0]} {command[1]} …` exited with status {result.returncode}: "
             f"{result.stderr.strip()}")
    return elapsed


def tool_version(command):
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip().splitlines()[0] if result.stdout.strip() else "unknown"


def main():
    args = parse_args()
    binary = executable(args.binary or target_dir() / "release" / "dockcert",
                        "build it with `cargo build --release` (`make bench` does)")
    generator = executable(
        args.generator or target_dir() / "release" / "examples" / "bench_clients",
        "build it with `cargo build --release --example bench_clients` (`make bench` does)")
    if shutil.which("openssl") is None:
        fail("openssl is not installed")

    work = Path(tempfile.mkdtemp(prefix="dockcert-audit-bench-"))
    try:
        certs = work / "certs"
        subprocess.run([str(generator), str(certs), str(args.count)], check=True)
        env = dict(os.environ)
        env.update(HOME=str(work / "home"), DOCKCERT_HOME=str(work / "dc"),
                   DOCKER_CERT_PATH=str(work / "client"), DOCKER_CONFIG=str(work / "cfg"),
                   NO_COLOR="1")
        env.pop("DOCKER_HOST", None)
        dirs = [f"dir{i}" for i in range(1, args.count + 1)]
        cases = {
            "dockcert audit": ([str(binary), "audit", *dirs], True),
            "openssl verify": (["openssl", "verify", "-CAfile", "ca.pem",
                                *[f"{d}/cert.pem" for d in dirs]], True),
        }
        print(f"audit benchmark: {args.count} P-256 client directories, {args.runs} runs per "
              "case (+1 warm-up), wall time", file=sys.stderr)
        samples = {}
        for name, (command, expect_ok) in cases.items():
            print(f"  {name}: warm-up + {args.runs} runs ...", file=sys.stderr, flush=True)
            timed(command, env, certs, expect_ok)
            samples[name] = [timed(command, env, certs, expect_ok) for _ in range(args.runs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    stats = {name: {"median_s": statistics.median(t), "min_s": min(t), "max_s": max(t),
                    "samples_s": t} for name, t in samples.items()}
    print()
    print(f"{tool_version([str(binary), '--version'])} ({binary}); "
          f"{tool_version(['openssl', 'version'])}; {os.cpu_count()} CPUs; "
          f"{args.count} directories; {args.runs} runs per case")
    print()
    width = max(len(name) for name in stats)
    print(f"{'case':<{width}}  {'median':>10}  {'min':>10}  {'max':>10}")
    for name, s in stats.items():
        print(f"{name:<{width}}  {s['median_s'] * 1000:>7.1f} ms  {s['min_s'] * 1000:>7.1f} ms  "
              f"{s['max_s'] * 1000:>7.1f} ms")
    ratio = stats["dockcert audit"]["median_s"] / stats["openssl verify"]["median_s"]
    met = ratio <= TARGET
    print()
    print(f"dockcert audit / openssl verify  {ratio:.3f}  target <= {TARGET:.2f}  "
          f"{'PASS' if met else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps({"count": args.count, "runs": args.runs, "cases": stats,
                                         "ratio": ratio, "target": TARGET, "pass": met},
                                        indent=2) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
