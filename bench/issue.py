#!/usr/bin/env python3
"""Benchmark issuing many certificates from one CA: certificates per second.

Usage: python3 bench/issue.py [--count N] [--binary target/release/dockcert] [--dir DIR] [--json FILE]

In a fresh dockcert home (HOME, DOCKCERT_HOME, DOCKER_CERT_PATH inside a temporary directory under
--dir, default $TMPDIR or /tmp), after `dockcert init`:

  loop      N x `dockcert issue client --name cI`        one process per certificate
  --from    `dockcert issue server --from hosts.txt`      N hosts in one run, in parallel
  files     the same directory and file operations as --from (mkdir, 3 files created O_EXCL,
            linked into place), without any cryptography: what the filesystem alone costs

Each certificate is three files (ca.pem, cert, key) written temp + fsync + link, plus its
directory. Target: --from issues at least 1,000 certificates per second on this 2-core machine.
If /dev/shm exists, --from is also run with the home there (memory), which shows dockcert's own
ceiling apart from the disk. Exit status: 0 target met, 1 missed, 2 could not run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
TARGET_PER_SECOND = 1000


def fail(message):
    print(f"issue.py: {message}", file=sys.stderr)
    sys.exit(2)


def env_for(root):
    env = dict(os.environ)
    env.pop("XDG_DATA_HOME", None)
    env.update(HOME=str(root / "home"), DOCKCERT_HOME=str(root / "dc"),
               DOCKER_CERT_PATH=str(root / "client"), DOCKER_CONFIG=str(root / "cfg"))
    return env


def run(command, env):
    result = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    if result.returncode != 0:
        fail(f"`{' '.join(command[:4])} …` exited {result.returncode}: {result.stderr.strip()}")


def fresh_home(base, binary):
    root = Path(tempfile.mkdtemp(prefix="dockcert-ibench-", dir=base))
    env = env_for(root)
    run([str(binary), "init"], env)
    return root, env


def bench_from(base, binary, count):
    root, env = fresh_home(base, binary)
    try:
        hosts = root / "hosts.txt"
        hosts.write_text("".join(f"host-{i:05d}.example 10.{i // 65536}.{i // 256 % 256}.{i % 256}\n"
                                 for i in range(count)))
        start = time.perf_counter()
        run([str(binary), "issue", "server", "--from", str(hosts)], env)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(root, ignore_errors=True)


def bench_loop(base, binary, count):
    root, env = fresh_home(base, binary)
    try:
        start = time.perf_counter()
        for i in range(count):
            run([str(binary), "issue", "client", "--name", f"c{i}"], env)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(root, ignore_errors=True)


def bench_files(base, count):
    root = Path(tempfile.mkdtemp(prefix="dockcert-fbench-", dir=base))
    try:
        data = b"x" * 700
        start = time.perf_counter()
        for i in range(count):
            d = root / "servers" / f"host-{i:05d}"
            os.makedirs(d, mode=0o700)
            for name in ("ca.pem", "server-cert.pem", "server-key.pem"):
                temp = d / f".{name}.tmp"
                fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
                os.write(fd, data)
                os.close(fd)
                os.link(temp, d / name)
                os.unlink(temp)
        os.sync()
        return time.perf_counter() - start
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, metavar="N")
    parser.add_argument("--binary", type=Path, default=REPO_DIR / "target" / "release" / "dockcert")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--json", type=Path, default=None, metavar="FILE")
    args = parser.parse_args()
    binary = args.binary.resolve()
    if not os.access(binary, os.X_OK):
        fail(f"no dockcert binary at {binary}; run `cargo build --release` (make bench does)")
    n = args.count
    print(f"issue benchmark: {n} certificates per case, home under {args.dir}", file=sys.stderr)
    results = {}
    print("  --from ...", file=sys.stderr, flush=True)
    results["issue server --from (disk)"] = bench_from(args.dir, binary, n)
    print("  files only ...", file=sys.stderr, flush=True)
    results["same file operations, no crypto (disk)"] = bench_files(args.dir, n)
    if Path("/dev/shm").is_dir():
        results["issue server --from (/dev/shm)"] = bench_from(Path("/dev/shm"), binary, n)
    print("  loop ...", file=sys.stderr, flush=True)
    results["issue client, one process each (disk)"] = bench_loop(args.dir, binary, n)

    width = max(len(name) for name in results)
    print(f"\n{'case':<{width}}  {'seconds':>8}  {'certs/s':>8}")
    for name, seconds in results.items():
        print(f"{name:<{width}}  {seconds:8.3f}  {n / seconds:8.0f}")
    rate = n / results["issue server --from (disk)"]
    met = rate >= TARGET_PER_SECOND
    print(f"\nissue server --from: {rate:.0f} certificates/s on disk, target >= {TARGET_PER_SECOND}  "
          f"{'PASS' if met else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps({"count": n, "seconds": results,
                                         "from_per_second": rate, "pass": met}, indent=2) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
