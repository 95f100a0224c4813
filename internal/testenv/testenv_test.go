package testenv

import (
	"testing"
)

// recorder captures what Missing does, without ending the real test.
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
