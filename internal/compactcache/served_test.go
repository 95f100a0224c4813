package compactcache

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// discoveryServer answers discovery as an API server does: the group versions in
// served with their resources, a 404 Status for any other, and failing (a 503) for
// the group versions in failing.
func discoveryServer(t *testing.T, served map[string][]string, failing map[string]bool) discovery.DiscoveryInterface {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gv := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/apis/"), "/api/")
		w.Header().Set("Content-Type", "application/json")
		status := func(code int, reason metav1.StatusReason) {
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusFailure, Code: int32(code), Reason: reason})
		}
		if failing[gv] {
			status(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable)
			return
		}
		names, ok := served[gv]
		if !ok {
			status(http.StatusNotFound, metav1.StatusReasonNotFound)
			return
		}
		list := metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv}
		for _, n := range names {
			list.APIResources = append(list.APIResources, metav1.APIResource{Name: n})
		}
		_ = json.NewEncoder(w).Encode(list)
	}))
	t.Cleanup(srv.Close)
	return discovery.NewDiscoveryClientForConfigOrDie(&rest.Config{Host: srv.URL})
}

// TestServedOverHTTP: a group version the API server does not know (404) is not served
// and no error; one it fails to answer is an error, never "not served", so an inventory
// or audit built on discovery cannot come out empty because the API server was down.
func TestServedOverHTTP(t *testing.T) {
	kinds := []Kind{
		{"gateway.networking.k8s.io", "v1", "Gateway", "gateways"},
		{"networking.k8s.io", "v1", "Ingress", "ingresses"},
		{"", "v1", "Service", "services"},
	}
	served := map[string][]string{"networking.k8s.io/v1": {"ingresses"}, "v1": {"services"}}
	got, err := Served(discoveryServer(t, served, nil), kinds)
	if err != nil {
		t.Fatalf("a 404 group version is an error: %v", err)
	}
	if want := kinds[1:]; !reflect.DeepEqual(got, want) {
		t.Errorf("served = %v, want %v", got, want)
	}

	got, err = Served(discoveryServer(t, served, map[string]bool{"networking.k8s.io/v1": true}), kinds)
	if err == nil || !strings.Contains(err.Error(), "networking.k8s.io/v1") {
		t.Errorf("discovery failing with 503: served %v, error %v; want an error naming the group version", got, err)
	}

	unreachable := discovery.NewDiscoveryClientForConfigOrDie(&rest.Config{Host: "http://127.0.0.1:1"})
	if got, err := Served(unreachable, kinds); err == nil {
		t.Errorf("unreachable API server: served %v and no error", got)
	}
}
