#!/usr/bin/env python3
"""Benchmark `dockcert verify` against the docker CLI and curl on the same daemon and certificates.

Usage: python3 bench/verify.py [--runs N] [--binary target/release/dockcert] [--json FILE]

For each key type (ecdsa-p256, rsa-4096): `dockcert init` makes a certificate set in a temporary
directory (HOME, DOCKCERT_HOME, DOCKER_CERT_PATH, DOCKER_CONFIG all inside it), a dockerd of its own
serves the daemon files with --tlsverify on 127.0.0.1:<free port> (own data-root, exec-root,
pidfile; --iptables=false --bridge=none; stopped by its pid afterwards), and three clients are
timed, N runs each after one warm-up, wall time of the whole process:

  dockcert verify --host tcp://127.0.0.1:PORT --cert-path DIR     pre-flight, handshake, /_ping, /version
  docker --tlsverify -H tcp://127.0.0.1:PORT version              the docker CLI
  curl -s --cacert ca.pem --cert cert.pem --key key.pem https://127.0.0.1:PORT/_ping

Targets, per key type: dockcert <= 0.5 x the docker CLI, and dockcert <= curl.
Exit status: 0 all targets met, 1 a target missed, 2 the benchmark could not run (dockerd needs root).
Python 3 standard library only.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
KEY_TYPES = ["ecdsa-p256", "rsa-4096"]


def fail(message):
    print(f"verify.py: {message}", file=sys.stderr)
    sys.exit(2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(root):
    env = dict(os.environ)
    for name in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT", "REQUESTS_CA_BUNDLE",
                 "CURL_CA_BUNDLE", "XDG_DATA_HOME"):
        env.pop(name, None)
    env.update(HOME=str(root / "home"), DOCKCERT_HOME=str(root / "dc"),
               DOCKER_CERT_PATH=str(root / "client"), DOCKER_CONFIG=str(root / "cfg"))
    return env


class Dockerd:
    """A dockerd of our own on 127.0.0.1, stopped by its pid."""

    def __init__(self, daemon_dir, work):
        self.port = free_port()
        self.work = Path(tempfile.mkdtemp(prefix="dcb", dir="/tmp"))
        self.log = open(self.work / "dockerd.log", "w")
        self.proc = subprocess.Popen(
            ["dockerd", "--tlsverify",
             f"--tlscacert={daemon_dir / 'ca.pem'}", f"--tlscert={daemon_dir / 'server-cert.pem'}",
             f"--tlskey={daemon_dir / 'server-key.pem'}", f"-H=tcp://127.0.0.1:{self.port}",
             f"-H=unix://{self.work / 'docker.sock'}", f"--data-root={self.work / 'data'}",
             f"--exec-root={self.work / 'exec'}", f"--pidfile={self.work / 'dockerd.pid'}",
             "--iptables=false", "--ip6tables=false", "--bridge=none"],
            stdout=subprocess.DEVNULL, stderr=self.log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        wanted = f"API listen on 127.0.0.1:{self.port}"
        while wanted not in (self.work / "dockerd.log").read_text(errors="replace"):
            if self.proc.poll() is not None:
                self.stop()
                fail("dockerd exited early (it needs root); see its log above")
            if time.monotonic() > deadline:
                self.stop()
                fail("dockerd did not listen within 90 s")
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.work, ignore_errors=True)


def time_command(command, env, runs):
    def once():
        start = time.perf_counter()
        result = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            fail(f"`{' '.join(command)}` exited {result.returncode}: {result.stderr.strip()}")
        return elapsed

    once()
    return [once() for _ in range(runs)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, metavar="N")
    parser.add_argument("--binary", type=Path, default=REPO_DIR / "target" / "release" / "dockcert")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE")
    args = parser.parse_args()
    binary = args.binary.resolve()
    if not os.access(binary, os.X_OK):
        fail(f"no dockcert binary at {binary}; run `cargo build --release` (make bench does)")
    for tool in ("dockerd", "docker", "curl"):
        if shutil.which(tool) is None:
            fail(f"{tool} is not installed (apt-get install docker.io curl)")

    results, ratios, all_met = {}, {}, True
    print(f"dockcert verify benchmark: {args.runs} runs per case (+1 warm-up), wall time",
          file=sys.stderr)
    for key_type in KEY_TYPES:
        root = Path(tempfile.mkdtemp(prefix="dockcert-vbench-"))
        env = isolated_env(root)
        daemon = None
        try:
            subprocess.run([str(binary), "init", "--key-type", key_type], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            daemon = Dockerd(root / "dc" / "daemon", root)
            host = f"127.0.0.1:{daemon.port}"
            client = root / "client"
            cases = {
                "dockcert verify": [str(binary), "verify", "--host", f"tcp://{host}",
                                    "--cert-path", str(client)],
                "docker version": ["docker", "--tlsverify", "-H", f"tcp://{host}", "version"],
                "curl /_ping": ["curl", "-sf", "--cacert", str(client / "ca.pem"),
                                "--cert", str(client / "cert.pem"), "--key", str(client / "key.pem"),
                                f"https://{host}/_ping"],
                # The same two requests dockcert makes, on one connection: for information.
                "curl /_ping+/version": ["curl", "-sf", "--cacert", str(client / "ca.pem"),
                                         "--cert", str(client / "cert.pem"),
                                         "--key", str(client / "key.pem"),
                                         f"https://{host}/_ping", f"https://{host}/version"],
            }
            for name, command in cases.items():
                print(f"  {key_type}: {name} ...", file=sys.stderr, flush=True)
                results[f"{key_type} {name}"] = time_command(command, env, args.runs)
        finally:
            if daemon:
                daemon.stop()
            shutil.rmtree(root, ignore_errors=True)

    medians = {name: statistics.median(times) for name, times in results.items()}
    width = max(len(name) for name in medians)
    print(f"\n{'case':<{width}}  {'median':>10}  {'min':>10}  {'max':>10}")
    for name, times in results.items():
        print(f"{name:<{width}}  {medians[name] * 1000:8.1f}ms  {min(times) * 1000:8.1f}ms  "
              f"{max(times) * 1000:8.1f}ms")
    print()
    for key_type in KEY_TYPES:
        ours = medians[f"{key_type} dockcert verify"]
        for other, target in (("docker version", 0.5), ("curl /_ping", 1.0), ("curl /_ping+/version", None)):
            value = ours / medians[f"{key_type} {other}"]
            name = f"{key_type}: dockcert verify / {other}"
            if target is None:
                ratios[name] = {"value": value, "target": None, "pass": None}
                print(f"{name:<52} {value:6.3f}  for information (the same requests)")
                continue
            met = value <= target
            all_met = all_met and met
            ratios[name] = {"value": value, "target": target, "pass": met}
            print(f"{name:<52} {value:6.3f}  target <= {target:.2f}  {'PASS' if met else 'FAIL'}")
    print("\nall targets met" if all_met else "\nFAIL: a target was missed")
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "samples_s": results,
                                         "medians_s": medians, "ratios": ratios,
                                         "pass": all_met}, indent=2) + "\n")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
