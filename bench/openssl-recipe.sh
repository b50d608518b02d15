#!/usr/bin/env bash
# openssl-recipe.sh: Docker's "Protect the Docker daemon socket" openssl recipe, as a script.
#
# This reproduces the certificate steps of Docker's guide
# (https://docs.docker.com/engine/security/protect-access/, "Create a CA, server and client keys
# with OpenSSL"), command for command, with the interactive parts made non-interactive: the CA key
# has no passphrase (the guide's `genrsa -aes256` prompts for one) and the CA's subject is given
# with -subj instead of being typed in. The server is "localhost" (127.0.0.1 and ::1).
#
# It is the baseline for `make bench` (bench/bench.py), which times it against `dockcert init`.
# It is not a way to make certificates for real use; use dockcert for that.
#
# Usage: bench/openssl-recipe.sh DIR
#   DIR must be an existing, empty directory; the files are written there:
#   ca-key.pem ca.pem ca.srl server-key.pem server-cert.pem key.pem cert.pem
#
# Environment:
#   KEY_TYPE  rsa-4096 (default, the guide's), rsa-2048, rsa-3072, ecdsa-p256 or ecdsa-p384.
#             It sets the type of all three keys, so that dockcert can be compared with the recipe
#             on the same key type. RSA keys are made with `openssl genrsa` as in the guide, EC keys
#             with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` (or P-384).

set -euo pipefail

die() {
    echo "openssl-recipe.sh: $*" >&2
    exit 2
}

[[ $# -eq 1 ]] || die "usage: $0 DIR (an existing, empty directory)"
dir=$1
[[ -d $dir ]] || die "$dir is not a directory"
[[ -z $(ls -A -- "$dir") ]] || die "$dir is not empty"
command -v openssl > /dev/null || die "openssl is not installed"

key_type=${KEY_TYPE:-rsa-4096}
case $key_type in
    rsa-2048 | rsa-3072 | rsa-4096)
        genkey() { openssl genrsa -out "$1" "${key_type#rsa-}"; }
        ;;
    ecdsa-p256 | ecdsa-p384)
        curve=P-${key_type#ecdsa-p}
        genkey() { openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$curve" -out "$1"; }
        ;;
    *)
        die "unknown KEY_TYPE '$key_type' (rsa-2048, rsa-3072, rsa-4096, ecdsa-p256 or ecdsa-p384)"
        ;;
esac

cd -- "$dir"

# The CA.
genkey ca-key.pem
openssl req -new -x509 -days 365 -key ca-key.pem -sha256 -out ca.pem -subj "/CN=bench CA"

# The server certificate.
genkey server-key.pem
openssl req -subj "/CN=localhost" -sha256 -new -key server-key.pem -out server.csr
echo "subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1" >> extfile.cnf
echo "extendedKeyUsage = serverAuth" >> extfile.cnf
openssl x509 -req -days 365 -sha256 -in server.csr -CA ca.pem -CAkey ca-key.pem \
    -CAcreateserial -out server-cert.pem -extfile extfile.cnf

# The client certificate.
genkey key.pem
openssl req -subj '/CN=client' -new -key key.pem -out client.csr
echo "extendedKeyUsage = clientAuth" > extfile-client.cnf
openssl x509 -req -days 365 -sha256 -in client.csr -CA ca.pem -CAkey ca-key.pem \
    -CAcreateserial -out cert.pem -extfile extfile-client.cnf

# Clean up and protect the files, as the guide does (without -v: nothing to read here).
rm client.csr server.csr extfile.cnf extfile-client.cnf
chmod 0400 ca-key.pem key.pem server-key.pem
chmod 0444 ca.pem server-cert.pem cert.pem
