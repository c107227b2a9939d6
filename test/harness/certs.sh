#!/usr/bin/env bash
# test/harness/certs.sh CERTDIR [--force]
#
# Generates throw-away TLS material for tests of docker engines over TCP, in
# dockerd's file naming:
#
#   ca.pem,  ca-key.pem                  test CA
#   server-cert.pem, server-key.pem      server cert signed by ca.pem
#                                        (CN=localhost, SAN IP:127.0.0.1, DNS:localhost)
#   cert.pem, key.pem                    client cert signed by ca.pem (CN=client)
#   other-ca.pem, other-ca-key.pem       a second, unrelated CA
#   other-client-cert.pem, other-client-key.pem
#                                        client cert (CN=client) signed by other-ca.pem:
#                                        an engine started with ca.pem must refuse it
#
# A complete set already in CERTDIR is reused unless --force is given. Safe to
# run concurrently for the same CERTDIR (flock). Prints CERTDIR on stdout.
set -euo pipefail

usage() { echo "usage: $0 CERTDIR [--force]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dir=$1
force=0
[ "${2:-}" = "--force" ] && force=1
command -v openssl >/dev/null || { echo "certs.sh: openssl not found" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

files=(ca.pem ca-key.pem server-cert.pem server-key.pem cert.pem key.pem
       other-ca.pem other-ca-key.pem other-client-cert.pem other-client-key.pem)

exec 9>"$dir/.certs.lock"
flock 9

complete=1
for f in "${files[@]}"; do [ -s "$dir/$f" ] || complete=0; done
if [ "$complete" = 1 ] && [ "$force" = 0 ]; then
  echo "$dir"
  exit 0
fi

tmp=$(mktemp -d "$dir/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
days=3650

# new_ca NAME CN: writes NAME.pem / NAME-key.pem
new_ca() {
  openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -subj "/CN=$2" -keyout "$tmp/$1-key.pem" -out "$tmp/$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# new_cert CA OUT-CERT OUT-KEY CN EXTFILE-CONTENT
new_cert() {
  local ca=$1 crt=$2 key=$3 cn=$4 ext=$5
  printf '%s\n' "$ext" >"$tmp/ext.cnf"
  openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=$cn" \
    -keyout "$tmp/$key" -out "$tmp/req.csr" 2>/dev/null
  openssl x509 -req -sha256 -days "$days" -in "$tmp/req.csr" \
    -CA "$tmp/$ca.pem" -CAkey "$tmp/$ca-key.pem" -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$tmp/ext.cnf" -out "$tmp/$crt" 2>/dev/null
}

server_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost'
client_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'

new_ca ca "libswarm test CA"
new_cert ca server-cert.pem server-key.pem localhost "$server_ext"
new_cert ca cert.pem key.pem client "$client_ext"
new_ca other-ca "libswarm unrelated test CA"
new_cert other-ca other-client-cert.pem other-client-key.pem client "$client_ext"

chmod 0644 "$tmp"/*.pem
chmod 0600 "$tmp"/*key.pem
for f in "${files[@]}"; do mv -f "$tmp/$f" "$dir/$f"; done
echo "$dir"
