#!/usr/bin/env bash
# govulncheck over the whole module, against the Go vulnerability database at $GOVULNDB
# (default https://vuln.go.dev). It exits with govulncheck's status: 0 clean, 3 findings.
#
# The database is only served by vuln.go.dev; it is not on the Go module proxy
# (golang.org/x/vulndb is not served there). Where vuln.go.dev cannot be reached, the
# check cannot run, and this script fails saying so: a check that did not run must never
# read as a clean result. Point GOVULNDB at a mirror instead (README, "Security").
set -uo pipefail
cd "$(dirname "$0")/../.."

db=${GOVULNDB:-https://vuln.go.dev}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

bin/govulncheck -db "$db" ./... 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
	if grep -qE 'fetching vulnerabilities|unrecognized vulndb format|no such host|connection refused' "$log"; then
		cat >&2 <<EOF

govulncheck could not read the vulnerability database at $db: NOTHING WAS CHECKED.
The database is only served by vuln.go.dev, not through the Go module proxy. Either
allow https://vuln.go.dev, or fetch a copy where it is reachable and point at it:
  curl -LO https://vuln.go.dev/vulndb.zip && unzip vulndb.zip -d /srv/vulndb
  make lint GOVULNDB=file:///srv/vulndb
(a checkout of https://go.googlesource.com/vulndb works too: GOVULNDB=file://<checkout>/data/osv).
EOF
	fi
fi
exit "$status"
