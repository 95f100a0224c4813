package audit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"

	"github.com/apiguard/apiguard/pkg/policy"
)

func testReport(n int) *Report {
	r := &Report{ID: 42, Auditor: "a@x", Revision: "abcdef0123", StartedAt: time.Unix(100, 0), FinishedAt: time.Unix(102, 0), Objects: n, Total: n + 5}
	for i := range n {
		r.Entries = append(r.Entries, Entry{Kind: "Ingress", Namespace: "ns", Name: fmt.Sprintf("i%03d", i), Policy: "p", Action: "deny"})
	}
	r.Counts = []Count{{Policy: "p", Kind: "Ingress", Namespace: "ns", Action: "deny", N: n + 5}}
	return r
}

func newTestAuditor(t *testing.T) *Auditor {
	t.Helper()
	a, err := New(Options{Config: &rest.Config{}, Holder: policy.NewHolder(), Interval: time.Minute,
		LeaseNamespace: "ns", LeaseName: "l", Registerer: prometheus.NewRegistry(), Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func get(t *testing.T, h http.Handler, target string) (int, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code, rec.Body.Bytes()
}

func TestAuditPagination(t *testing.T) {
	a := newTestAuditor(t)
	a.leading.Store(true)
	if code, body := get(t, a, "/audit"); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "no audit run") {
		t.Errorf("before a run: %d %s", code, body)
	}
	a.report.Store(testReport(7))
	var names []string
	next := "/audit?limit=3"
	pages := 0
	for next != "" {
		code, body := get(t, a, next)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", next, code, body)
		}
		var p Page
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		pages++
		if p.Total != 12 || !p.Truncated || p.Summary["p"]["deny"] != 12 || p.ShortRevision != "abcdef0" || p.Duration != "2s" || p.Auditor != "a@x" {
			t.Errorf("page %+v", p)
		}
		for _, e := range p.Items {
			names = append(names, e.Name)
		}
		next = ""
		if p.Continue != "" {
			next = "/audit?limit=3&continue=" + url.QueryEscape(p.Continue)
		}
	}
	if pages != 3 || strings.Join(names, ",") != "i000,i001,i002,i003,i004,i005,i006" {
		t.Errorf("%d pages: %v", pages, names)
	}

	_, body := get(t, a, "/audit?limit=2")
	var first Page
	_ = json.Unmarshal(body, &first)
	a.report.Store(testReport(7)) // same content, but a new run
	a.report.Load().ID = 43
	if code, body := get(t, a, "/audit?continue="+url.QueryEscape(first.Continue)); code != http.StatusGone {
		t.Errorf("a token of an earlier run: %d %s", code, body)
	}
	for _, bad := range []string{"limit=0", "limit=x", "continue=%21%21", "continue=" + formatContinue(43, 99)} {
		if code, _ := get(t, a, "/audit?"+bad); code != http.StatusBadRequest && code != http.StatusGone {
			t.Errorf("%s: %d", bad, code)
		}
	}
	if code, body := get(t, a, "/audit?limit=999999"); code != http.StatusOK || strings.Count(string(body), `"name"`) != 7 {
		t.Errorf("a large limit is capped, not refused: %d", code)
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/audit", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

// TestAuditRelaysToTheLeader: a replica without the lease passes /audit, query and all,
// to the address the leader advertises, and the leader never passes it on again.
func TestAuditRelaysToTheLeader(t *testing.T) {
	leader := newTestAuditor(t)
	leader.leading.Store(true)
	leader.report.Store(testReport(4))
	var seenForwarded string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenForwarded = r.Header.Get(forwardedHeader)
		leader.ServeHTTP(w, r)
	}))
	defer srv.Close()

	follower := newTestAuditor(t)
	if code, body := get(t, follower, "/audit"); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "no auditing replica is known") {
		t.Errorf("no leader known: %d %s", code, body)
	}
	follower.leader = "pod-a_1234"
	if code, body := get(t, follower, "/audit"); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "advertises no address") {
		t.Errorf("leader without an address: %d %s", code, body)
	}
	follower.leader = "pod-a_1234@" + strings.TrimPrefix(srv.URL, "http://")
	code, body := get(t, follower, "/audit?limit=1")
	var p Page
	if err := json.Unmarshal(body, &p); err != nil || code != http.StatusOK || len(p.Items) != 1 || p.Continue == "" || seenForwarded != "1" {
		t.Errorf("relayed: %d %s (forwarded header %q)", code, body, seenForwarded)
	}
	// A forwarded request that reaches a replica which lost the lease meanwhile is
	// answered there, never relayed in a loop.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/audit", nil)
	req.Header.Set(forwardedHeader, "1")
	follower.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("forwarded to a non-leader: %d", rec.Code)
	}
}

func TestIdentity(t *testing.T) {
	a, b := Identity("10.0.0.7:8081"), Identity("10.0.0.7:8081")
	if a == b || addressOf(a) != "10.0.0.7:8081" {
		t.Errorf("identities %q %q", a, b)
	}
	if id := Identity(""); addressOf(id) != "" || id == "" {
		t.Errorf("identity without an address: %q", id)
	}
}
