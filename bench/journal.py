#!/usr/bin/env python3
"""Benchmark what the transaction journal costs, and how long recovery takes after a kill.

Usage: python3 bench/journal.py [--count N] [--rounds R] [--binary target/release/dockcert] [--dir DIR]
                                [--json FILE]

In fresh dockcert homes (HOME, DOCKCERT_HOME, DOCKER_CERT_PATH inside a temporary directory), after
`dockcert init`, times `dockcert issue server --from hosts.txt` with N hosts (default 1,000):

  journal      as shipped: the journal written and synced before the first final name changes,
               committed, removed
  no journal   the same with DOCKCERT_BENCH_NO_JOURNAL=1, the bench-only switch that skips the
               journal (a run killed then is not recovered: never set it otherwise)

R rounds (default 5) alternate the two, on the disk (--dir, default $TMPDIR or /tmp) and on
/dev/shm when it exists; the medians are compared. Target: the journal adds at most 25% on each.

Recovery: a batch is killed with SIGKILL as soon as its first file is in place (its 3,000 temporary
files written, its journal on disk: the middle of the batch), then `dockcert list` is timed: it takes the lock, rolls the batch back, and prints the
recovery line; a `list` of the same home with nothing to recover is timed as the baseline.

Exit status: 0 target met, 1 missed, 2 could not run.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
MAX_OVERHEAD = 0.25


def fail(message):
    print(f"journal.py: {message}", file=sys.stderr)
    sys.exit(2)


def env_for(root, journal=True):
    env = dict(os.environ)
    env.pop("XDG_DATA_HOME", None)
    env.pop("DOCKCERT_BENCH_NO_JOURNAL", None)
    env.update(HOME=str(root / "home"), DOCKCERT_HOME=str(root / "dc"),
               DOCKER_CERT_PATH=str(root / "client"), DOCKER_CONFIG=str(root / "cfg"))
    if not journal:
        env["DOCKCERT_BENCH_NO_JOURNAL"] = "1"
    return env


def run(command, env):
    result = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    if result.returncode != 0:
        fail(f"`{' '.join(command[:4])} …` exited {result.returncode}: {result.stderr.strip()}")
    return result.stderr


def fresh_home(base, binary, count):
    root = Path(tempfile.mkdtemp(prefix="dockcert-jbench-", dir=base))
    run([str(binary), "init"], env_for(root))
    hosts = root / "hosts.txt"
    hosts.write_text("".join(f"host-{i:05d}.example 10.{i // 65536}.{i // 256 % 256}.{i % 256}\n"
                             for i in range(count)))
    return root, hosts


def time_batch(base, binary, count, journal):
    root, hosts = fresh_home(base, binary, count)
    try:
        start = time.perf_counter()
        run([str(binary), "issue", "server", "--from", str(hosts)], env_for(root, journal))
        return time.perf_counter() - start
    finally:
        shutil.rmtree(root, ignore_errors=True)


def recovery(base, binary, count):
    """Seconds for the `list` that recovers a batch killed mid-write, and for a plain `list`."""
    for _attempt in range(10):
        root, hosts = fresh_home(base, binary, count)
        try:
            env = env_for(root)
            journal = root / "dc" / "journal" / "txn.json"
            # The first file moved into place: the batch is in the middle of its writes.
            first = root / "dc" / "servers" / "host-00000.example" / "ca.pem"
            proc = subprocess.Popen([str(binary), "issue", "server", "--from", str(hosts)], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not first.exists() and proc.poll() is None:
                time.sleep(0.0001)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if proc.returncode != -signal.SIGKILL or not journal.exists():
                continue  # finished (or committed) before the kill: try again
            start = time.perf_counter()
            line = run([str(binary), "list"], env)
            recover_s = time.perf_counter() - start
            if "rolled back" not in line:
                fail(f"list did not report a roll-back: {line.strip()}")
            start = time.perf_counter()
            run([str(binary), "list"], env)
            plain_s = time.perf_counter() - start
            return recover_s, plain_s, line.strip()
        finally:
            shutil.rmtree(root, ignore_errors=True)
    fail("could not kill a batch in the middle of its writes in 10 attempts")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, metavar="N")
    parser.add_argument("--rounds", type=int, default=5, metavar="R")
    parser.add_argument("--binary", type=Path, default=REPO_DIR / "target" / "release" / "dockcert")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--json", type=Path, default=None, metavar="FILE")
    args = parser.parse_args()
    binary = args.binary.resolve()
    if not os.access(binary, os.X_OK):
        fail(f"no dockcert binary at {binary}; run `cargo build --release` (make bench does)")
    places = [("disk", args.dir)]
    if Path("/dev/shm").is_dir():
        places.append(("/dev/shm", Path("/dev/shm")))
    n = args.count
    print(f"journal benchmark: issue server --from with {n} hosts, {args.rounds} rounds",
          file=sys.stderr)
    results = {}
    met = True
    for label, base in places:
        with_j, without = [], []
        for r in range(args.rounds):
            print(f"  {label} round {r + 1} ...", file=sys.stderr, flush=True)
            # Alternate, so that a slow moment of the shared disk hits both alike.
            if r % 2 == 0:
                with_j.append(time_batch(base, binary, n, True))
                without.append(time_batch(base, binary, n, False))
            else:
                without.append(time_batch(base, binary, n, False))
                with_j.append(time_batch(base, binary, n, True))
        mj, mn = statistics.median(with_j), statistics.median(without)
        overhead = mj / mn - 1
        ok = overhead <= MAX_OVERHEAD
        met &= ok
        recover_s, plain_s, line = recovery(base, binary, n)
        results[label] = {"journal_s": mj, "no_journal_s": mn, "overhead": overhead,
                          "journal_runs": with_j, "no_journal_runs": without,
                          "recovery_list_s": recover_s, "plain_list_s": plain_s,
                          "recovery_line": line, "pass": ok}
    print(f"\n{'where':<9} {'journal s':>10} {'none s':>8} {'certs/s':>8} {'overhead':>9}  "
          f"{'recovery s':>10} {'plain list s':>12}")
    for label, r in results.items():
        print(f"{label:<9} {r['journal_s']:10.3f} {r['no_journal_s']:8.3f} "
              f"{n / r['journal_s']:8.0f} {r['overhead'] * 100:8.1f}%  "
              f"{r['recovery_list_s']:10.3f} {r['plain_list_s']:12.3f}  "
              f"{'PASS' if r['pass'] else 'FAIL'}")
    some = next(iter(results.values()))
    print(f"\nrecovery line: {some['recovery_line']}")
    print(f"journal overhead target <= {MAX_OVERHEAD * 100:.0f}% on each: {'PASS' if met else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps({"count": n, "results": results, "pass": met},
                                        indent=2) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
