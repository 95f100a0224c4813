#!/usr/bin/env bash
# Installs what test/pods needs to run real pods on this machine, from Debian: containerd
# (1.6) and runc, the CNI plugins (bridge, host-local, loopback) and iproute2; and the
# tools other tests read with (skopeo for the image archive, ssh and gpg for Git). Quiet and
# idempotent: nothing is fetched when everything is present. Debian starts no containerd
# here (no systemd); internal/kubelettest starts its own with its own config and socket.
set -euo pipefail

need=()
for p in containerd runc containernetworking-plugins iproute2 skopeo openssh-client gnupg; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "node-deps: missing ${need[*]} and not root; run: apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "node-deps: installing ${need[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "node-deps: apt-get install ${need[*]} failed" >&2
  exit 1
fi
# A package's post-install may start a system containerd; ours uses its own socket, but a
# stray daemon would hold /var/lib/containerd for nothing.
if [ -x /usr/sbin/service ]; then service containerd stop >/dev/null 2>&1 || true; fi
