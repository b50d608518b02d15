#!/usr/bin/env bash
# Installs the real peers the tests talk to, once, from one place: `make test` runs this first.
# As root with apt: installs what is missing (dockerd and the docker CLI from Debian's docker.io,
# openssl, Go for the differential verdict tests, OpenSSH's sshd and client and iproute2 for the
# remote-host tests, sudo and systemd's systemd-analyze for provision's tests, python3-venv, zsh
# and fish for `dockcert env`), then a virtualenv with the Python docker SDK under target/.
# Without root or apt it installs nothing and says so loudly; the tests that need a missing peer
# then skip loudly, and fail when DOCKCERT_E2E=1 (as CI sets).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have dockerd || need+=(docker.io)
have docker || need+=(docker.io)
have openssl || need+=(openssl)
have go || need+=(golang-go)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
have ssh || need+=(openssh-client)
have ip || need+=(iproute2)
have unshare || need+=(util-linux)
# provision's test hosts: a non-root user with sudo; the drop-in checked by systemd-analyze.
have sudo || need+=(sudo)
have systemd-analyze || need+=(systemd)
have script || need+=(bsdutils)   # a pty for provision's live progress
/usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
# The shells `dockcert env` writes for, whose output the tests evaluate (bash is always there).
have zsh || need+=(zsh)
have fish || need+=(fish)

if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "peers: installing $(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
  else
    echo "peers: NOT INSTALLED (need root and apt): ${need[*]}; the tests that need them will skip loudly" >&2
  fi
fi

# The Python docker SDK, the peer that reads only the environment (docker.from_env()).
venv=target/peers/venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import docker' >/dev/null 2>&1; then
  if /usr/bin/python3 -m venv "$venv" >/dev/null 2>&1 && "$venv/bin/pip" install -q docker >/dev/null 2>&1; then
    echo "peers: Python docker SDK $("$venv/bin/python" -c 'import docker; print(docker.__version__)') in $venv"
  else
    echo "peers: NOT INSTALLED: the Python docker SDK (virtualenv $venv); its tests will skip loudly" >&2
  fi
fi

for tool in dockerd docker openssl go /usr/sbin/sshd zsh fish; do
  if have "$tool"; then
    case "$tool" in
      dockerd) echo "peers: $(dockerd --version)";;
      docker) echo "peers: $(docker --version)";;
      openssl) echo "peers: $(openssl version)";;
      go) echo "peers: $(go version)";;
      /usr/sbin/sshd) echo "peers: $(/usr/sbin/sshd -V 2>&1 | head -1)";;
      zsh) echo "peers: $(zsh --version)";;
      fish) echo "peers: $(fish --version)";;
    esac
  else
    echo "peers: MISSING $tool" >&2
  fi
done
exit 0
