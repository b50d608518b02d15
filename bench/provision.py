#!/usr/bin/env python3
"""Benchmark `dockcert provision`: five hosts one at a time, then the five as one fleet.

Usage: python3 bench/provision.py [--hosts 5] [--rounds 3] [--binary target/release/dockcert] [--json FILE] [--timeline]

Each host is what the integration tests use (tests/it/nshost.rs): a network namespace reached only
over a veth pair made here (addresses in 10.208.0.0/16, on those veths only), a private mount and
UTS namespace (tmpfs on /run; its own /etc/docker, /var/lib/docker, /var/log, /etc/default,
/etc/hosts), the real sshd, and dockerd started by Debian's init script (`service docker start`,
from a copy whose ulimit lines tolerate this sandbox's limits). Everything is removed afterwards
(processes by pid, veths, namespaces, directories), also on failure.

Measured, wall time of the whole `dockcert provision` process:
  single: each host provisioned alone, one after the other (the slowest is the reference);
  fleet:  the same hosts again, all in one run (--parallel 8).
Three rounds by default (the machine is shared, so one round is noisy); the medians are compared.
From --json: each host's time and the part spent from the restart command until the TLS port
answered ("restart wait"). Target: fleet <= 1.5 x the slowest single host.
Exit status: 0 target met, 1 missed, 2 the benchmark could not run (needs root, sshd, docker.io).
Python 3 standard library only.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


def fail(message):
    print(f"provision.py: {message}", file=sys.stderr)
    sys.exit(2)


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def softened_init_script():
    lines = []
    for line in Path("/etc/init.d/docker").read_text().splitlines():
        t = line.strip()
        if t == "ulimit -n 1048576":
            line = line.replace(t, 'ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -H -n)"')
        elif t in ("ulimit -p unlimited", "ulimit -u unlimited"):
            line = line + " 2>/dev/null || true"
        lines.append(line)
    return "\n".join(lines) + "\n"


class Host:
    """One namespace host; `close()` removes all of it."""

    def __init__(self, lab, n):
        pid = os.getpid() % 100000
        self.netns = f"dcb{pid}h{n}"
        self.veth = f"dcb{pid}v{n}"
        self.ip = f"10.208.{n}.2"
        self.peer = f"10.208.{n}.1"
        self.fqdn = f"bench{n}.dockcert.test"
        self.dir = Path(tempfile.mkdtemp(prefix="dcb", dir="/tmp"))
        self.sshd = None
        try:
            self._start(lab)
        except BaseException:
            self.close()
            raise

    def _start(self, lab):
        run(["ip", "netns", "add", self.netns])
        run(["ip", "link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.netns])
        run(["ip", "addr", "add", f"{self.peer}/30", "dev", self.veth])
        run(["ip", "link", "set", self.veth, "up"])
        run(["ip", "-n", self.netns, "addr", "add", f"{self.ip}/30", "dev", "eth0"])
        run(["ip", "-n", self.netns, "link", "set", "eth0", "up"])
        run(["ip", "-n", self.netns, "link", "set", "lo", "up"])
        d = self.dir
        for sub in ["etc-docker", "var-lib-docker", "var-log", "varlib/upper", "varlib/work", "etc-default"]:
            (d / sub).mkdir(parents=True, exist_ok=True)
        (d / "etc-docker/daemon.json").write_text('{"iptables": false, "bridge": "none"}\n')
        for entry in Path("/etc/default").iterdir():
            if entry.is_file():
                shutil.copy(entry, d / "etc-default" / entry.name)
        (d / "init-docker").write_text(softened_init_script())
        (d / "init-docker").chmod(0o755)
        (d / "hosts").write_text(f"127.0.0.1 localhost\n{self.ip} {self.fqdn}\n")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(d / "hostkey")])
        shutil.copy(lab / "id_ed25519.pub", d / "authorized_keys")
        (d / "sshd_config").write_text(
            f"Port 22\nListenAddress 0.0.0.0\nHostKey {d}/hostkey\nAuthorizedKeysFile {d}/authorized_keys\n"
            "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\nPidFile none\nLogLevel ERROR\nMaxStartups 100\n")
        mounts = [
            "mount -t tmpfs -o mode=755 tmpfs /run", "mkdir -p /run/sshd",
            f"mount -t overlay overlay -o lowerdir=/var/lib,upperdir={d}/varlib/upper,workdir={d}/varlib/work /var/lib",
            "mkdir -p /var/lib/docker", f"mount --bind {d}/var-lib-docker /var/lib/docker",
            f"mount --bind {d}/etc-docker /etc/docker", f"mount --bind {d}/var-log /var/log",
            f"mount --bind {d}/etc-default /etc/default", f"mount --bind {d}/init-docker /etc/init.d/docker",
            f"mount --bind {d}/hosts /etc/hosts", f"hostname {self.fqdn}",
        ]
        script = "set -e; " + "; ".join(mounts) + f"; exec /usr/sbin/sshd -D -e -f {d}/sshd_config"
        self.sshd = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "unshare", "-m", "-u", "--propagation", "private",
             "sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(d / "sshd.log", "w"))
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection((self.ip, 22), timeout=0.2).close()
                break
            except OSError:
                if self.sshd.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"sshd did not start: {(d / 'sshd.log').read_text()}")
                time.sleep(0.05)
        self.exec("service docker start")
        deadline = time.time() + 60
        while self.exec("docker version >/dev/null 2>&1", check=False).returncode != 0:
            if time.time() > deadline:
                raise RuntimeError("dockerd did not start: " + (d / "var-log/docker.log").read_text())
            time.sleep(0.1)
        with open(lab / "known_hosts", "a") as kh:
            kh.write(f"{self.ip} {(d / 'hostkey.pub').read_text()}")

    def exec(self, script, check=True):
        return subprocess.run(["nsenter", "-t", str(self.sshd.pid), "-m", "-n", "-u", "--", "sh", "-c", script],
                              check=check, capture_output=True, text=True)

    def close(self):
        def pids():
            out = subprocess.run(["ip", "netns", "pids", self.netns], capture_output=True, text=True).stdout
            return [int(p) for p in out.split()]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            deadline = time.time() + 15
            while pids() and time.time() < deadline:
                for p in pids():
                    try:
                        os.kill(p, sig)
                    except ProcessLookupError:
                        pass
                time.sleep(0.1)
        if self.sshd is not None:
            self.sshd.wait()
        subprocess.run(["ip", "link", "del", self.veth], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def provision(binary, env, config, hosts, extra=(), timed=False):
    args = [binary, "provision", "--ssh-config", str(config), *([] if timed else ["--json"]), *extra, *hosts]
    if timed:
        # Each progress line with the seconds since the start: where the time goes.
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in proc.stderr:
            print(f"{time.perf_counter() - t0:6.2f} {line.rstrip()}")
        proc.wait()
        return time.perf_counter() - t0, None
    started = time.perf_counter()
    out = subprocess.run(args, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"provision failed ({out.returncode}): {out.stdout}\n{out.stderr}")
    return wall, json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of (each host alone, then the fleet); medians are compared")
    parser.add_argument("--binary", default=str(REPO_DIR / "target/release/dockcert"))
    parser.add_argument("--json", help="write the figures here too")
    parser.add_argument("--timeline", action="store_true",
                        help="instead: one host, then the fleet, with each progress line timed")
    args = parser.parse_args()
    if os.geteuid() != 0:
        fail("needs root (network and mount namespaces)")
    for tool in ["ip", "unshare", "nsenter", "ssh", "ssh-keygen", "dockerd"]:
        if shutil.which(tool) is None:
            fail(f"needs {tool}")
    if not Path("/usr/sbin/sshd").exists() or not Path("/etc/init.d/docker").exists():
        fail("needs openssh-server and docker.io's init script")
    binary = str(Path(args.binary).resolve())
    root = Path(tempfile.mkdtemp(prefix="dcbench", dir="/tmp"))
    hosts = []
    try:
        env = dict(os.environ)
        for name in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT"):
            env.pop(name, None)
        env.update(HOME=str(root / "home"), DOCKCERT_HOME=str(root / "dc"),
                   DOCKER_CERT_PATH=str(root / "client"), DOCKER_CONFIG=str(root / "cfg"))
        (root / "home").mkdir()
        run([binary, "init"], env=env)
        lab = root / "lab"
        lab.mkdir()
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(lab / "id_ed25519")])
        (lab / "known_hosts").write_text("")
        config = lab / "ssh_config"
        config.write_text(f"Host *\n  IdentityFile {lab}/id_ed25519\n  IdentitiesOnly yes\n"
                          f"  UserKnownHostsFile {lab}/known_hosts\n  GlobalKnownHostsFile /dev/null\n"
                          "  User root\n  LogLevel ERROR\n")
        setup = time.perf_counter()
        for n in range(args.hosts):
            hosts.append(Host(lab, n))
        print(f"provision.py: {args.hosts} namespace hosts up in {time.perf_counter() - setup:.1f}s")

        if args.timeline:
            provision(binary, env, config, [f"root@{hosts[0].ip}"], timed=True)
            provision(binary, env, config, [f"root@{h.ip}" for h in hosts], timed=True)
            return 0
        rounds = []
        for _ in range(args.rounds):
            singles = []
            for h in hosts:
                wall, report = provision(binary, env, config, [f"root@{h.ip}"])
                host = report["hosts"][0]
                singles.append((h.ip, wall, host["seconds"], host["restart_seconds"]))
            fleet_wall, fleet = provision(binary, env, config, [f"root@{h.ip}" for h in hosts],
                                          ["--parallel", "8"])
            rounds.append((singles, fleet_wall, fleet))
        for number, (singles, fleet_wall, fleet) in enumerate(rounds, 1):
            slowest = max(s[1] for s in singles)
            print(f"\nround {number}: single hosts, one run each (wall s / host s / restart wait s):")
            for ip, wall, secs, restart in singles:
                print(f"  {ip:14} {wall:6.2f}  {secs:6.2f}  {restart:6.2f}")
            print(f"round {number}: fleet of {len(hosts)} in one run: {fleet_wall:.2f}s wall "
                  f"({fleet_wall / slowest:.2f}x the slowest single host, {slowest:.2f}s)")
            for h in fleet["hosts"]:
                print(f"  {h['host']:20} {h['seconds']:6.2f}s  restart wait {h['restart_seconds']:5.2f}s  {h['result']}")
        median = lambda values: sorted(values)[len(values) // 2]
        slowest = median([max(s[1] for s in r[0]) for r in rounds])
        fleet_wall = median([r[1] for r in rounds])
        total_host = sum(h["seconds"] for r in rounds for h in r[2]["hosts"])
        total_restart = sum(h["restart_seconds"] for r in rounds for h in r[2]["hosts"])
        single_host = sum(s[2] for r in rounds for s in r[0])
        single_restart = sum(s[3] for r in rounds for s in r[0])
        share = total_restart / total_host if total_host else 0.0
        ratio = fleet_wall / slowest
        print(f"\nrestart wait: {share:.0%} of the hosts' time in the fleet runs "
              f"({single_restart / single_host:.0%} in the single runs)")
        print(f"median of {len(rounds)} rounds: fleet {fleet_wall:.2f}s vs slowest single host "
              f"{slowest:.2f}s: {ratio:.2f}x (target <= 1.5x)")
        figures = {"rounds": [{"singles": [{"host": s[0], "wall": s[1], "seconds": s[2], "restart_seconds": s[3]}
                                           for s in r[0]],
                               "fleet_wall": r[1], "fleet": r[2]["hosts"]} for r in rounds],
                   "median_fleet_wall": fleet_wall, "median_slowest_single": slowest,
                   "restart_share": share, "ratio": ratio}
        all_ok = all(h["ok"] for r in rounds for h in r[2]["hosts"])
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2))
        ok = ratio <= 1.5 and all_ok
        print("provision.py: target met" if ok else "provision.py: TARGET MISSED")
        return 0 if ok else 1
    finally:
        for h in hosts:
            h.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
