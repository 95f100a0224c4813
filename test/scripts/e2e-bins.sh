#!/usr/bin/env bash
# Builds the binaries the e2e suite runs against: a real kube-apiserver from the Go
# module proxy (no Docker, no kind), and makes sure Debian's etcd is installed.
# Idempotent: a binary that is already present at the wanted version is not rebuilt.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${BIN_DIR:-$root/bin}"
mkdir -p "$bin"

ensure_etcd() {
  if command -v etcd >/dev/null 2>&1; then return; fi
  if [ -x /usr/bin/etcd ]; then return; fi
  echo "e2e-bins: installing etcd-server from Debian" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "e2e-bins: etcd is missing and we are not root; run: apt-get install -y etcd-server" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq etcd-server >/dev/null
  # Debian starts an etcd service on install; tests start their own on other ports.
  (systemctl stop etcd 2>/dev/null || service etcd stop 2>/dev/null || pkill -x etcd 2>/dev/null) || true
}

build_apiserver() {
  local out="$bin/kube-apiserver" stamp="$bin/.kube-apiserver.version"
  if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$K8S_VERSION" ]; then
    return
  fi
  echo "e2e-bins: building kube-apiserver $K8S_VERSION from the Go module proxy (first build takes minutes)" >&2
  local work minor staging_version
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  staging_version="v0.${K8S_VERSION#v1.}"
  cd "$work"
  go mod init apiguard.local/kube-apiserver-build >/dev/null 2>&1
  # kubernetes' go.mod points every staging module at ./staging; outside its own tree those
  # paths do not exist, so each is replaced by the published module of the same release.
  local modfile
  modfile="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  local replaces=()
  while read -r name; do
    replaces+=("-replace=$name=$name@$staging_version")
  done < <(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$modfile")
  go mod edit "-require=k8s.io/kubernetes@$K8S_VERSION" "${replaces[@]}"
  cat > tools.go <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
  GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
  GOFLAGS=-mod=mod go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" >/dev/null
  local pkg=k8s.io/component-base/version
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$out.tmp" \
    -ldflags "-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean" \
    k8s.io/kubernetes/cmd/kube-apiserver
  mv "$out.tmp" "$out"
  echo "$K8S_VERSION" > "$stamp"
  cd "$root"
}

ensure_etcd
build_apiserver
echo "e2e-bins: etcd $(etcd --version 2>/dev/null | head -1 | awk '{print $3}'), kube-apiserver $("$bin/kube-apiserver" --version 2>/dev/null | awk '{print $2}')" >&2
