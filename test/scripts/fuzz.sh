#!/usr/bin/env bash
# make fuzz: every Fuzz* target under pkg, cmd and internal for FUZZTIME each, one after
# another (go test -fuzz takes one target per run). FUZZ narrows the targets by name (a
# grep -E pattern). A finding is written to the package's testdata/fuzz/<target>, where
# `make test` replays it with the committed seeds, and fails this script.
#
# Go 1.26's fuzz coordinator can end a duration-bounded run with a bare "context deadline
# exceeded" and no failing input when a starved worker misses the deadline
# (go.dev/issue/75804, fixed in Go 1.27). That is reported as such and not as a finding;
# any failure that writes an input, or any other failure, is.
set -uo pipefail
FUZZTIME=${FUZZTIME:-60s}
FUZZ=${FUZZ:-.}
findings=0
for f in $(grep -l --include='*_test.go' -r '^func Fuzz' pkg cmd internal | sort); do
	dir=$(dirname "$f")
	for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$f" | grep -E "$FUZZ"); do
		echo "== $name ./$dir for $FUZZTIME"
		corpus="$dir/testdata/fuzz/$name"
		before=$(ls "$corpus" 2>/dev/null | sort)
		out=$(mktemp)
		go test -run='^$' -fuzz="^$name\$" -fuzztime="$FUZZTIME" "./$dir" 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
		after=$(ls "$corpus" 2>/dev/null | sort)
		if [ "$rc" -ne 0 ]; then
			if [ "$before" = "$after" ] && tail -n 5 "$out" | grep -q '^    context deadline exceeded$'; then
				echo "== $name: stopped by Go's fuzz coordinator deadline race (go.dev/issue/75804), no failing input; not a finding"
			else
				echo "== $name: FAILED; the failing input is in $corpus" >&2
				findings=$((findings + 1))
			fi
		fi
		rm -f "$out"
	done
done
if [ "$findings" -gt 0 ]; then
	echo "make fuzz: $findings target(s) failed" >&2
	exit 1
fi
