package testenv

import (
	"flag"
	"testing"
)

// recorder captures what Missing and Integration do, without ending the real test.
type recorder struct {
	testing.TB
	failed, skipped bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Skip(...any)           { r.skipped = true }

func TestMissing(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	Missing(r, "no tool")
	if !r.failed || r.skipped {
		t.Errorf("CI=true: failed %v skipped %v, want a failure", r.failed, r.skipped)
	}
	t.Setenv("CI", "")
	r = &recorder{TB: t}
	Missing(r, "no tool")
	if r.failed || !r.skipped {
		t.Errorf("outside CI: failed %v skipped %v, want a skip", r.failed, r.skipped)
	}
}

// setShort sets -test.short for the rest of the test.
func setShort(t *testing.T, v bool) {
	t.Helper()
	was := testing.Short()
	if err := flag.Set("test.short", map[bool]string{true: "true", false: "false"}[v]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = flag.Set("test.short", map[bool]string{true: "true", false: "false"}[was])
	})
}

func TestIntegration(t *testing.T) {
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)

		setShort(t, true)
		r := &recorder{TB: t}
		Integration(r, ControlPlane)
		if r.failed || !r.skipped {
			t.Errorf("-short, CI=%q: failed %v skipped %v, want a skip (the unit tier, chosen on purpose)", ci, r.failed, r.skipped)
		}
		if !IntegrationMain(ControlPlane) {
			t.Errorf("-short, CI=%q: IntegrationMain = false, want the package skipped", ci)
		}

		setShort(t, false)
		r = &recorder{TB: t}
		Integration(r, ControlPlane)
		if r.failed || r.skipped {
			t.Errorf("without -short, CI=%q: failed %v skipped %v, want the test to run", ci, r.failed, r.skipped)
		}
		if IntegrationMain(ControlPlane) {
			t.Errorf("without -short, CI=%q: IntegrationMain = true, want the package to run", ci)
		}
	}
}
