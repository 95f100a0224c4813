package main

import "testing"

// TestGCPercent: without GOGC the webhook collects at defaultGCPercent; any GOGC the
// operator sets, "off" and "100" included, is left to the runtime.
func TestGCPercent(t *testing.T) {
	for env, want := range map[string]int{"": defaultGCPercent, "GOGC=100": -1, "GOGC=off": -1, "GOGC=": -1} {
		lookup := func(key string) (string, bool) {
			if env != "" && key == "GOGC" {
				return env[len("GOGC="):], true
			}
			return "", false
		}
		if got := gcPercent(lookup); got != want {
			t.Errorf("%q: gcPercent = %d, want %d", env, got, want)
		}
	}
}
