#!/usr/bin/env python3
"""Benchmark `dockcert init` against Docker's openssl recipe (bench/openssl-recipe.sh).

Usage: python3 bench/bench.py [--runs N] [--binary target/release/dockcert] [--json FILE]

Four cases, each run N times after one untimed warm-up, every run in a fresh temporary directory
(removed afterwards; set TMPDIR to choose where), timing the wall time of the whole command:

  openssl recipe rsa-4096     KEY_TYPE=rsa-4096 bash bench/openssl-recipe.sh DIR (Docker's guide)
  dockcert init rsa-4096      dockcert init --key-type rsa-4096
  openssl recipe ecdsa-p256   KEY_TYPE=ecdsa-p256 bash bench/openssl-recipe.sh DIR
  dockcert init ecdsa-p256    dockcert init (the default key type)

dockcert runs with HOME, DOCKCERT_HOME, DOCKER_CERT_PATH and DOCKER_CONFIG (and the XDG
directories) inside the run's temporary directory, so it never touches the real home.

Targets, both against the median of the guide's recipe (RSA-4096):
  dockcert init --key-type rsa-4096   <= 0.40 x the recipe
  dockcert init (ecdsa-p256)          <= 0.01 x the recipe (1/100 of its wall time)
The ratio of dockcert ecdsa-p256 to the recipe with ECDSA P-256 keys is printed for information.

Exit status: 0 all targets met, 1 a target missed, 2 the benchmark could not run.
Python 3 standard library only.
"""

import argparse
import json
import os
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RECIPE = BENCH_DIR / "openssl-recipe.sh"

OPENSSL_RSA = "openssl recipe rsa-4096"
DOCKCERT_RSA = "dockcert init rsa-4096"
OPENSSL_EC = "openssl recipe ecdsa-p256"
DOCKCERT_EC = "dockcert init ecdsa-p256"

# (name, numerator, denominator, target or None for information only)
RATIOS = [
    ("dockcert rsa-4096 / openssl rsa-4096 recipe", DOCKCERT_RSA, OPENSSL_RSA, 0.40),
    ("dockcert ecdsa-p256 / openssl rsa-4096 recipe", DOCKCERT_EC, OPENSSL_RSA, 0.01),
    ("dockcert ecdsa-p256 / openssl ecdsa-p256 recipe", DOCKCERT_EC, OPENSSL_EC, None),
]


def fail(message):
    print(f"bench.py: {message}", file=sys.stderr)
    sys.exit(2)


def default_binary():
    target_dir = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target_dir) if target_dir else REPO_DIR / "target"
    return base / "release" / "dockcert"


def parse_args():
    parser = argparse.ArgumentParser(
        description="Time `dockcert init` against Docker's openssl recipe.",
        epilog="Exit status: 0 all targets met, 1 a target missed, 2 the benchmark could not run.",
    )
    parser.add_argument(
        "--runs", type=int, default=7, metavar="N",
        help="timed runs per case, after one untimed warm-up (default: 7)",
    )
    parser.add_argument(
        "--binary", type=Path, default=None, metavar="PATH",
        help="the dockcert binary (default: target/release/dockcert; `make bench` builds it)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, metavar="FILE",
        help="also write the medians and ratios to FILE as JSON",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def isolated_env(run_dir, extra=None):
    """The environment for one run: nothing points to the real home."""
    env = dict(os.environ)
    home = run_dir / "home"
    home.mkdir()
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env.pop(name, None)
    env.update(
        HOME=str(home),
        DOCKCERT_HOME=str(run_dir / "dc"),
        DOCKER_CERT_PATH=str(run_dir / "client"),
        DOCKER_CONFIG=str(run_dir / "cfg"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
    )
    env.update(extra or {})
    return env


def recipe_case(key_type):
    def make(run_dir):
        out = run_dir / "out"
        out.mkdir()
        return ["bash", str(RECIPE), str(out)], isolated_env(run_dir, {"KEY_TYPE": key_type})

    return make


def dockcert_case(binary, extra_args):
    def make(run_dir):
        return [str(binary), "init", *extra_args], isolated_env(run_dir)

    return make


def remove_tree(path):
    """Removes a run's directory, even if something in it was left read-only."""

    def make_writable_and_retry(function, failed_path, _error):
        os.chmod(os.path.dirname(failed_path), stat.S_IRWXU)
        function(failed_path)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=make_writable_and_retry)


def run_once(make_command, timed):
    run_dir = Path(tempfile.mkdtemp(prefix="dockcert-bench-"))
    try:
        command, env = make_command(run_dir)
        start = time.perf_counter()
        try:
            subprocess.run(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
            )
        except subprocess.CalledProcessError as err:
            explain_failure(make_command, err)
        elapsed = time.perf_counter() - start
        return elapsed if timed else None
    finally:
        remove_tree(run_dir)


def explain_failure(make_command, err):
    """Runs the failed command again, in a fresh directory, to show what it printed."""
    run_dir = Path(tempfile.mkdtemp(prefix="dockcert-bench-"))
    try:
        command, env = make_command(run_dir)
        again = subprocess.run(command, env=env, capture_output=True, text=True)
        output = (again.stderr or again.stdout).strip()
    finally:
        remove_tree(run_dir)
    detail = f":\n{output}" if output else ""
    fail(f"`{' '.join(err.cmd)}` exited with status {err.returncode}{detail}")


def measure(name, make_command, runs):
    print(f"  {name}: warm-up + {runs} runs ...", file=sys.stderr, flush=True)
    run_once(make_command, timed=False)
    return [run_once(make_command, timed=True) for _ in range(runs)]


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def tool_version(command):
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip().splitlines()[0] if result.stdout.strip() else "unknown"


def main():
    args = parse_args()
    binary = (args.binary or default_binary()).resolve()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        fail(f"no dockcert binary at {binary}; build it first with `cargo build --release` "
             "(`make bench` does), or pass --binary PATH")
    if shutil.which("bash") is None:
        fail("bash is not installed; the openssl recipe needs it")
    if shutil.which("openssl") is None:
        fail("openssl is not installed; the recipe needs it")
    if not RECIPE.is_file():
        fail(f"the openssl recipe is missing: {RECIPE}")

    cases = [
        (OPENSSL_RSA, recipe_case("rsa-4096")),
        (DOCKCERT_RSA, dockcert_case(binary, ["--key-type", "rsa-4096"])),
        (OPENSSL_EC, recipe_case("ecdsa-p256")),
        (DOCKCERT_EC, dockcert_case(binary, [])),
    ]
    openssl_version = tool_version(["openssl", "version"])
    dockcert_version = tool_version([str(binary), "--version"])
    print(f"dockcert init benchmark: {args.runs} runs per case (+1 warm-up), wall time",
          file=sys.stderr)
    samples = {name: measure(name, make, args.runs) for name, make in cases}

    stats = {
        name: {
            "median_s": statistics.median(times),
            "min_s": min(times),
            "max_s": max(times),
            "samples_s": times,
        }
        for name, times in samples.items()
    }

    print()
    print(f"{dockcert_version} ({binary}); {openssl_version}; {args.runs} runs per case")
    print()
    width = max(len(name) for name in stats)
    print(f"{'case':<{width}}  {'median':>11}  {'min':>11}  {'max':>11}")
    for name, s in stats.items():
        print(f"{name:<{width}}  {ms(s['median_s']):>11}  {ms(s['min_s']):>11}  "
              f"{ms(s['max_s']):>11}")

    print()
    ratios = {}
    all_met = True
    width = max(len(name) for name, *_ in RATIOS)
    for name, numerator, denominator, target in RATIOS:
        value = stats[numerator]["median_s"] / stats[denominator]["median_s"]
        line = f"{name:<{width}}  {value:7.4f}  (1/{1 / value:.0f})"
        if target is None:
            verdict = None
            line += "  for information"
        else:
            verdict = value <= target
            all_met = all_met and verdict
            line += f"  target <= {target:.2f}  {'PASS' if verdict else 'FAIL'}"
        ratios[name] = {"value": value, "target": target, "pass": verdict}
        print(line)

    print()
    print("all targets met" if all_met else "FAIL: a target was missed")

    if args.json:
        document = {
            "runs": args.runs,
            "binary": str(binary),
            "dockcert_version": dockcert_version,
            "openssl_version": openssl_version,
            "cases": stats,
            "ratios": ratios,
            "pass": all_met,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")

    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
