package fleet

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fake serves canned documents by path.
type fake struct {
	docs   map[string]string
	status map[string]int
	err    error
}

func (f fake) Endpoint() string { return "fake" }

func (f fake) Get(_ context.Context, path string, query url.Values) ([]byte, int, error) {
	if f.err != nil {
		return nil, 0, f.err
	}
	if path == "/audit" && query.Get("limit") != "1" {
		return nil, 0, errors.New("the summary needs one entry, not a page of them")
	}
	code := http.StatusOK
	if c, ok := f.status[path]; ok {
		code = c
	}
	return []byte(f.docs[path]), code, nil
}

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func statusDoc(rev string) string {
	return `{"revision":"` + rev + `","shortRevision":"` + rev[:7] + `","source":"git https://git.example.com/p.git@main",
		"stale":false,"lastSuccess":"2026-11-24T11:59:30Z","lastError":{"time":"2026-11-24T11:00:00Z","result":"fetch_failed","error":"dial tcp: timeout"}}`
}

func auditDoc(summary string) string {
	return `{"auditor":"pod-a_1@10.0.0.1:8081","revision":"x","finishedAt":"2026-11-24T11:58:00Z","objects":40,"summary":` + summary + `,"items":[]}`
}

func TestRead(t *testing.T) {
	for name, tc := range map[string]struct {
		f         fake
		wantErr   string
		wantAudit string
		check     func(t *testing.T, c Cluster)
	}{
		"status and audit": {
			f: fake{docs: map[string]string{"/status": statusDoc("1111111aaaa"), "/audit": auditDoc(`{"p":{"deny":2,"patch":3}}`)}},
			check: func(t *testing.T, c Cluster) {
				if c.ShortRevision != "1111111" || c.Staleness != "30s" || c.LastError == nil || c.LastError.Result != "fetch_failed" ||
					c.Audit == nil || c.Audit.Findings != 5 || c.Audit.Objects != 40 || c.Audit.Summary["p"]["deny"] != 2 {
					t.Errorf("cluster %+v audit %+v", c, c.Audit)
				}
			},
		},
		"no policy set yet (503 /status is still a status)": {
			f: fake{docs: map[string]string{"/status": `{"revision":"","source":"git x","stale":false}`, "/audit": `{"error":"no audit run has finished yet"}`},
				status: map[string]int{"/status": 503, "/audit": 503}},
			wantAudit: "no audit run has finished yet",
		},
		"audit off": {
			f:         fake{docs: map[string]string{"/status": statusDoc("1111111aaaa"), "/audit": `{"error":"audit is off"}`}, status: map[string]int{"/audit": 404}},
			wantAudit: "HTTP 404: audit is off",
		},
		"the API server refuses the proxy": {
			f: fake{docs: map[string]string{"/status": `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"services \"http:apiguard:status\" is forbidden","code":403}`},
				status: map[string]int{"/status": 403}},
			wantErr: `HTTP 403 from the API server: services "http:apiguard:status" is forbidden`,
		},
		"no ready pod behind the Service": {
			f: fake{docs: map[string]string{"/status": `{"kind":"Status","message":"no endpoints available for service \"apiguard\"","code":503}`},
				status: map[string]int{"/status": 503}},
			wantErr: "no endpoints available",
		},
		"unreachable": {f: fake{err: errors.New("connection refused")}, wantErr: "connection refused"},
	} {
		t.Run(name, func(t *testing.T) {
			c := Read(context.Background(), "a", tc.f, now)
			if !strings.Contains(c.Error, tc.wantErr) || (tc.wantErr == "") != (c.Error == "") {
				t.Errorf("error %q, want %q", c.Error, tc.wantErr)
			}
			if !strings.Contains(c.AuditError, tc.wantAudit) || (tc.wantAudit == "") != (c.AuditError == "") {
				t.Errorf("audit error %q, want %q", c.AuditError, tc.wantAudit)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func cluster(name, rev string, summary map[string]map[string]int) Cluster {
	c := Cluster{Name: name, Revision: rev, ShortRevision: rev[:7], Source: "git x", Staleness: "5s"}
	if summary != nil {
		c.Audit = &Audit{FinishedAt: now.Add(-time.Minute), Objects: 10, Summary: summary}
	}
	return c
}

func TestCompare(t *testing.T) {
	same := map[string]map[string]int{"ingress.require_tls": {"deny": 1}}
	t.Run("agreeing clusters", func(t *testing.T) {
		v := Compare([]Cluster{cluster("a", "1111111x", same), cluster("b", "1111111x", same)})
		if len(v.Drift) != 0 || len(v.Revisions) != 1 {
			t.Errorf("drift %+v", v.Drift)
		}
	})
	t.Run("revisions and findings differ", func(t *testing.T) {
		v := Compare([]Cluster{
			cluster("a", "1111111x", same),
			cluster("b", "2222222x", map[string]map[string]int{"ingress.require_tls": {"deny": 1}, "service.no_nodeport": {"deny": 3, "patch": 0}}),
			cluster("c", "1111111x", nil), // audit unavailable: not compared
			{Name: "d", Error: "unreachable"},
		})
		var got []string
		for _, d := range v.Drift {
			got = append(got, d.Kind+": "+d.Message)
		}
		want := []string{
			"revision: clusters run different policy revisions: a 1111111, b 2222222, c 1111111",
			"findings: service.no_nodeport (deny): b 3; none in a",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("drift:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(v.Revisions["1111111x"]) != 2 || v.Drift[1].Clusters["a"] != "0" || v.Drift[1].Clusters["b"] != "3" {
			t.Errorf("revisions %v, values %v", v.Revisions, v.Drift[1].Clusters)
		}

		var b bytes.Buffer
		if err := WriteText(&b, v, now); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{
			"CLUSTER", "a        1111111   ", "b        2222222*", "unreachable: unreachable", "1m0s ago, 10 objects",
			"service.no_nodeport (deny)  0  3*", "deny 4\n", "Drift:\n  * clusters run different policy revisions",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("missing %q in:\n%s", want, out)
			}
		}
		// One audited object is "1 object".
		one := cluster("e", "1111111x", same)
		one.Audit.Objects = 1
		b.Reset()
		if err := WriteText(&b, Compare([]Cluster{one}), now); err != nil || !strings.Contains(b.String(), "1m0s ago, 1 object\n") && !strings.Contains(b.String(), "1m0s ago, 1 object ") {
			t.Errorf("one object: %v\n%s", err, b.String())
		}
		b.Reset()
		if err := WriteJSON(&b, v); err != nil || !strings.Contains(b.String(), `"kind": "findings"`) {
			t.Errorf("json: %v\n%s", err, b.String())
		}
	})
}
