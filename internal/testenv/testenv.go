// Package testenv decides what a test does when what it needs is not there.
//
// Two cases. A tool that is missing (Missing): on a developer's machine the test skips
// with the reason; in CI (CI=true), where .ci/run installs every tool the tests use, a
// missing tool is a failure, so no check is silently skipped where it is supposed to run.
//
// A tier that was not asked for (Integration): `go test -short ./...` (make unit) is the
// unit tier, which needs Go, the module cache, git and ssh-keygen and nothing more. A test
// that needs a real control plane, a Git server or a tool built into bin/ calls
// Integration (or its TestMain calls IntegrationMain) before it looks for any of them,
// and skips under -short, in CI too: -short is a tier chosen on purpose, not a tool
// that went missing. `make test` runs without -short, so every tier runs there.
package testenv

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// What an integration test needs, for the reason it gives when -short skips it.
const (
	ControlPlane = "a real control plane (kube-apiserver and etcd)"
	GitServer    = "a Git server"
	BuiltTools   = "tools built into bin/ or from source"
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

// Integration skips tb under -short: it needs what the unit tier does not have. Call it
// first, before anything that builds, installs or looks for what it needs.
func Integration(tb testing.TB, needs string) {
	tb.Helper()
	if testing.Short() {
		tb.Skip(shortReason(needs))
	}
}

// IntegrationMain is Integration for a TestMain whose shared setup starts what every
// test of the package needs: under -short it says why and returns true, and TestMain
// exits 0 without setting anything up.
func IntegrationMain(needs string) bool {
	if !flag.Parsed() {
		flag.Parse()
	}
	if !testing.Short() {
		return false
	}
	fmt.Println("skipping every test of the package:", shortReason(needs))
	return true
}

func shortReason(needs string) string {
	return fmt.Sprintf("integration tier: needs %s; -short runs the unit tier only (make test runs every tier)", needs)
}
