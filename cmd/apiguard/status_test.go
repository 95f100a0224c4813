package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStatusCommand(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/status":
			_, _ = w.Write([]byte(`{"revision":"abcdef0123","shortRevision":"abcdef0","source":"dir:/p","lastSuccess":"2026-01-01T00:00:00Z"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"audit is off"}`))
		}
	}))
	defer ok.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	code, out, errOut := run(t, "", "status", "--url", "eu="+ok.URL, "--url", ok.URL)
	if code != 0 || !strings.Contains(out, "eu ") || !strings.Contains(out, "abcdef0") || !strings.Contains(out, "No drift") || !strings.Contains(out, "audit is off") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "", "status", "--url", "eu="+ok.URL, "--url", "us="+down.URL, "-o", "json")
	if code != 2 || !strings.Contains(out, `"name": "us"`) || !strings.Contains(errOut, "could not read us") {
		t.Errorf("an unreachable cluster: exit %d:\n%s%s", code, out, errOut)
	}
	for name, args := range map[string][]string{
		"bad output":         {"status", "--url", ok.URL, "-o", "yaml"},
		"bad url":            {"status", "--url", "eu=localhost:8081"},
		"missing kubeconfig": {"status", "--kubeconfig", t.TempDir() + "/none"},
	} {
		if code, _, errOut := run(t, "", args...); code != 2 || errOut == "" {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
}
