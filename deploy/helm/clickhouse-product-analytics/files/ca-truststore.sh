#!/bin/sh
# Builds a JVM trust store for the ClickHouse client: the JDK's own CAs (so public endpoints such
# as ClickHouse Cloud keep working) plus every certificate of a PEM bundle. keytool imports one
# certificate per call, so the bundle is split first.
#   usage: ca-truststore.sh <bundle.pem> <truststore.p12>   (store password: changeit, like cacerts)
set -eu
bundle="$1"
store="$2"
password=changeit
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "${JAVA_HOME:?JAVA_HOME is not set}/lib/security/cacerts" "$work/store.p12"
chmod u+w "$work/store.p12"
awk -v dir="$work" '
  /-----BEGIN CERTIFICATE-----/ { n++; file = sprintf("%s/ca-%03d.pem", dir, n) }
  file != "" { print > file }
  /-----END CERTIFICATE-----/ { close(file); file = "" }
' "$bundle"
count=0
for cert in "$work"/ca-*.pem; do
  [ -e "$cert" ] || break
  count=$((count + 1))
  keytool -importcert -noprompt -keystore "$work/store.p12" -storetype PKCS12 -storepass "$password" \
    -alias "cpa-ca-$count" -file "$cert" >/dev/null
done
if [ "$count" -eq 0 ]; then
  echo "ca-truststore: no PEM certificate in $bundle" >&2
  exit 1
fi
mv "$work/store.p12" "$store"
echo "ca-truststore: $store holds the JDK's CAs and $count from $bundle"
