// Package testenv decides what a test does when a tool it needs is missing. On a
// developer's machine it skips with the reason; in CI (CI=true), where .ci/run installs
// every tool the tests use, a missing tool is a failure, so no check is silently skipped
// where it is supposed to run.
package testenv

import (
	"os"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true, as .ci/run is started).
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test with reason, or fails it in CI.
func Missing(tb testing.TB, reason string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("%s (CI=true: .ci/run must install it)", reason)
		return
	}
	tb.Skip(reason)
}
