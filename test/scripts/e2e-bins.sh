#!/usr/bin/env bash
# Builds the binaries the e2e suite runs against: a real kube-apiserver from the Go
# module proxy (no Docker, no kind), and makes sure Debian's etcd is installed.
# Idempotent: a binary that is already present at the wanted version is not rebuilt.
#
#   e2e-bins.sh         kube-apiserver (and etcd)
#   e2e-bins.sh node    also the kubelet, kube-controller-manager and kube-scheduler that
#                       test/pods runs real pods with (internal/kubelettest), built in the
#                       same throwaway module by one `go build` (about 7 min cold on 2 cores)
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

# build_k8s CMD...: builds the missing or outdated k8s.io/kubernetes/cmd/CMD binaries into
# $bin, all in one `go build` so their shared packages compile once.
build_k8s() {
  local want=() cmd
  for cmd in "$@"; do
    if [ -x "$bin/$cmd" ] && [ "$(cat "$bin/.$cmd.version" 2>/dev/null)" = "$K8S_VERSION" ]; then
      continue
    fi
    want+=("$cmd")
  done
  [ ${#want[@]} -gt 0 ] || return 0
  echo "e2e-bins: building ${want[*]} $K8S_VERSION from the Go module proxy (a first build takes minutes)" >&2
  local work minor staging_version start
  start=$(date +%s)
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  staging_version="v0.${K8S_VERSION#v1.}"
  cd "$work"
  go mod init apiguard.local/kube-build >/dev/null 2>&1
  # kubernetes' go.mod points every staging module at ./staging; outside its own tree those
  # paths do not exist, so each is replaced by the published module of the same release.
  local modfile
  modfile="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  local replaces=()
  while read -r name; do
    replaces+=("-replace=$name=$name@$staging_version")
  done < <(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$modfile")
  go mod edit "-require=k8s.io/kubernetes@$K8S_VERSION" "${replaces[@]}"
  local pkgs=()
  { echo '//go:build tools'; echo; echo 'package tools'; echo; echo 'import ('
    for cmd in "${want[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$cmd\""; pkgs+=("k8s.io/kubernetes/cmd/$cmd"); done
    echo ')'; } > tools.go
  GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
  for cmd in "${want[@]}"; do
    GOFLAGS=-mod=mod go get "k8s.io/kubernetes/cmd/$cmd@$K8S_VERSION" >/dev/null
  done
  local pkg=k8s.io/component-base/version out="$work/out"
  mkdir -p "$out"
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$out/" \
    -ldflags "-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean" \
    "${pkgs[@]}"
  for cmd in "${want[@]}"; do
    mv "$out/$cmd" "$bin/$cmd"
    echo "$K8S_VERSION" > "$bin/.$cmd.version"
  done
  echo "e2e-bins: built ${want[*]} in $(( $(date +%s) - start ))s" >&2
  cd "$root"
}

ensure_etcd
build_k8s kube-apiserver
if [ "${1:-}" = node ]; then
  bash "$root/test/scripts/node-deps.sh"
  build_k8s kubelet kube-controller-manager kube-scheduler
  echo "e2e-bins: kubelet $("$bin/kubelet" --version 2>/dev/null | awk '{print $2}'), kube-controller-manager and kube-scheduler in $bin" >&2
fi
echo "e2e-bins: etcd $(etcd --version 2>/dev/null | head -1 | awk '{print $3}'), kube-apiserver $("$bin/kube-apiserver" --version 2>/dev/null | awk '{print $2}')" >&2
