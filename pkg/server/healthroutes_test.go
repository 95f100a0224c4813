package server

import (
	"io"
	"net/http"
	"testing"
)

// TestHealthRoutes: documents beside /status are served on the health listener, not on
// the webhook's.
func TestHealthRoutes(t *testing.T) {
	doc := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "audit doc") })
	ts := startServer(t, Options{HealthRoutes: map[string]http.Handler{"/audit": doc}})
	waitListening(t, ts.srv.HealthAddr().String())
	resp, err := http.Get("http://" + ts.srv.HealthAddr().String() + "/audit")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "audit doc" {
		t.Errorf("health /audit: %d %q", resp.StatusCode, body)
	}
	resp, err = ts.client(0).Get(ts.url("/audit"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("webhook listener serves /audit: %d", resp.StatusCode)
	}
}
