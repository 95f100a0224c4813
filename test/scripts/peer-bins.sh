#!/usr/bin/env bash
# Builds the peers the bench harness races (issue 18, section 4) from the Go module proxy:
#   bin/gatekeeper  Gatekeeper  (go install github.com/open-policy-agent/gatekeeper/v3@$GATEKEEPER_VERSION)
#   bin/kyverno     Kyverno     (github.com/kyverno/kyverno/cmd/kyverno@$KYVERNO_VERSION)
# Kyverno's go.mod carries replace directives (k8s.io/pod-security-admission among them),
# which `go install pkg@version` refuses, so it is built the way e2e-bins.sh builds
# kube-apiserver: in a throwaway module that requires kyverno and repeats its replaces.
# Idempotent: a binary already present at the wanted version is not rebuilt.
# Not part of `make test`: only `make bench` needs the peers.
set -euo pipefail

GATEKEEPER_VERSION="${GATEKEEPER_VERSION:-v3.23.1}"
KYVERNO_VERSION="${KYVERNO_VERSION:-v1.19.1}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${BIN_DIR:-$root/bin}"
mkdir -p "$bin"
export GOTOOLCHAIN=local

current() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }

build_gatekeeper() {
  if current gatekeeper "$GATEKEEPER_VERSION"; then return 0; fi
  echo "peer-bins: building gatekeeper $GATEKEEPER_VERSION from the Go module proxy (minutes)" >&2
  local start tmp
  start=$(date +%s)
  tmp="$(mktemp -d)"
  # go install names the binary after the module path without its /v3 suffix: gatekeeper.
  GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
    "github.com/open-policy-agent/gatekeeper/v3@$GATEKEEPER_VERSION"
  mv "$tmp/gatekeeper" "$bin/gatekeeper"
  rm -rf "$tmp"
  echo "$GATEKEEPER_VERSION" > "$bin/.gatekeeper.version"
  echo "peer-bins: built gatekeeper in $(( $(date +%s) - start ))s" >&2
}

build_kyverno() {
  if current kyverno "$KYVERNO_VERSION"; then return 0; fi
  echo "peer-bins: building kyverno $KYVERNO_VERSION in a throwaway module (minutes)" >&2
  local start work modfile
  start=$(date +%s)
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  cd "$work"
  go mod init apiguard.local/kyverno-build >/dev/null 2>&1
  modfile="$(go mod download -json "github.com/kyverno/kyverno@$KYVERNO_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -n "$modfile" ] || { echo "peer-bins: cannot download kyverno $KYVERNO_VERSION" >&2; return 1; }
  # Repeat kyverno's replace directives (single-line and block form) with their versions.
  local replaces=() line
  while read -r line; do
    [ -n "$line" ] || continue
    # "old [v] => new [v]"
    local old new
    old="$(echo "$line" | awk -F' => ' '{print $1}' | awk '{ if (NF==2) print $1"@"$2; else print $1 }')"
    new="$(echo "$line" | awk -F' => ' '{print $2}' | awk '{ if (NF==2) print $1"@"$2; else print $1 }')"
    case "$new" in ./*|../*) echo "peer-bins: kyverno replaces $old with a local path; skipped" >&2; continue;; esac
    replaces+=("-replace=$old=$new")
  done < <(awk '
    /^replace[[:space:]]*\(/ { inblock=1; next }
    inblock && /^\)/ { inblock=0; next }
    inblock { sub(/\/\/.*/, ""); gsub(/^[[:space:]]+|[[:space:]]+$/, ""); print; next }
    /^replace[[:space:]]/ { sub(/^replace[[:space:]]+/, ""); sub(/\/\/.*/, ""); gsub(/[[:space:]]+$/, ""); print }
  ' "$modfile")
  go mod edit "-require=github.com/kyverno/kyverno@$KYVERNO_VERSION" ${replaces[@]+"${replaces[@]}"}
  # Requiring only kyverno makes its own go.mod the build list's ceiling: the binary is
  # built with the versions kyverno was released with.
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/kyverno/kyverno/cmd/kyverno"\n' > tools.go
  GOFLAGS=-mod=mod go get "github.com/kyverno/kyverno/cmd/kyverno@$KYVERNO_VERSION" >/dev/null
  mkdir -p out
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o out/kyverno github.com/kyverno/kyverno/cmd/kyverno
  mv out/kyverno "$bin/kyverno"
  echo "$KYVERNO_VERSION" > "$bin/.kyverno.version"
  echo "peer-bins: built kyverno in $(( $(date +%s) - start ))s" >&2
  cd "$root"
}

case "${1:-all}" in
  gatekeeper) build_gatekeeper ;;
  kyverno) build_kyverno ;;
  all) build_gatekeeper; build_kyverno ;;
  *) echo "usage: $0 [all|gatekeeper|kyverno]" >&2; exit 2 ;;
esac
