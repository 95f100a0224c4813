package admission

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/policy"
)

const testPolicies = `# METADATA
# custom:
#   kinds: [Ingress]
package ingress.require_tls

deny contains sprintf("Ingress %s has no TLS", [input.request.object.metadata.name]) if {
	input.request.operation != "DELETE"
	not input.request.object.spec.tls
}

warn contains "no owner label" if {
	input.request.operation != "DELETE"
	not input.request.object.metadata.labels.owner
}
`

const testPatch = `# METADATA
# custom:
#   kinds: [Ingress]
package ingress.default_ssl_redirect

patch contains {"op": "add", "path": "/metadata/annotations/force-ssl-redirect", "value": "true"} if {
	input.request.operation != "DELETE"
	not input.request.object.metadata.annotations["force-ssl-redirect"]
}
`

const conflictPolicy = `# METADATA
# custom:
#   kinds: [Conflict]
package broken.conflict

verdict := "a" if input.request.uid
verdict := "b" if input.request.uid

deny contains verdict if true
`

const slowPolicy = `# METADATA
# custom:
#   kinds: [Slow]
package broken.slow

deny contains "slow" if {
	count([1 | some i in numbers.range(1, 100000); some j in numbers.range(1, 100000)]) > 0
}
`

type fixture struct {
	validate, mutate http.Handler
	metrics          *Metrics
	holder           *policy.Holder
}

func newFixture(t *testing.T, opts Options, files map[string]string) *fixture {
	t.Helper()
	holder := policy.NewHolder()
	if files != nil {
		fsys := fstest.MapFS{}
		for name, src := range files {
			fsys[name] = &fstest.MapFile{Data: []byte(src)}
		}
		set, err := policy.Load(context.Background(), fsys, policy.LoadOptions{Revision: "abcdef0123456789"})
		if err != nil {
			t.Fatal(err)
		}
		holder.Swap(set)
	}
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	opts.Policies, opts.Metrics, opts.Log = holder, m, logr.Discard()
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{validate: h.Validate(), mutate: h.Mutate(), metrics: m, holder: holder}
}

func defaultFixture(t *testing.T) *fixture {
	return newFixture(t, Options{EvalTimeout: 300 * time.Millisecond, OwnNamespace: "apiguard-system", OwnServiceAccount: "system:serviceaccount:apiguard-system:apiguard"},
		map[string]string{"tls.rego": testPolicies, "patch.rego": testPatch, "conflict.rego": conflictPolicy, "slow.rego": slowPolicy})
}

func review(apiVersion, kind, op, namespace string, object any) []byte {
	req := map[string]any{
		"uid":       "0000-1111",
		"kind":      map[string]any{"group": "networking.k8s.io", "version": "v1", "kind": kind},
		"resource":  map[string]any{"group": "networking.k8s.io", "version": "v1", "resource": strings.ToLower(kind) + "s"},
		"namespace": namespace,
		"name":      "web",
		"operation": op,
		"userInfo":  map[string]any{"username": "alice"},
		"object":    object,
	}
	b, _ := json.Marshal(map[string]any{"apiVersion": apiVersion, "kind": "AdmissionReview", "request": req})
	return b
}

func ingressObject(tls bool, annotations map[string]any) map[string]any {
	obj := map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": "web", "namespace": "team", "labels": map[string]any{"owner": "me"}},
		"spec":     map[string]any{"rules": []any{map[string]any{"host": "a.example.com"}}},
	}
	if tls {
		obj["spec"].(map[string]any)["tls"] = []any{map[string]any{"hosts": []any{"a.example.com"}}}
	}
	if annotations != nil {
		obj["metadata"].(map[string]any)["annotations"] = annotations
	}
	return obj
}

type result struct {
	status int
	body   []byte
	review *admissionv1.AdmissionReview
	raw    map[string]any
}

func post(t *testing.T, h http.Handler, contentType string, body io.Reader) result {
	t.Helper()
	return postURL(t, h, "/validate?timeout=5s", contentType, body)
}

func postURL(t *testing.T, h http.Handler, url, contentType string, body io.Reader) result {
	t.Helper()
	res, err := tryPost(h, url, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// tryPost is postURL without the testing.T, so a goroutine other than the test can call it.
func tryPost(h http.Handler, url, contentType string, body io.Reader) (result, error) {
	req := httptest.NewRequest(http.MethodPost, url, body)
	if req.ContentLength == 0 {
		// What net/http hands a server for a request without a body.
		req.Body = http.NoBody
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := result{status: rec.Code, body: rec.Body.Bytes()}
	if rec.Code == http.StatusOK {
		res.review = &admissionv1.AdmissionReview{}
		if err := json.Unmarshal(res.body, res.review); err != nil {
			return res, fmt.Errorf("2xx body is not an AdmissionReview: %w: %s", err, res.body)
		}
		_ = json.Unmarshal(res.body, &res.raw)
	}
	return res, nil
}

// TestBadInput is the foundation issue's bad-input table: every case has a defined answer,
// none is ever 2xx with allowed=true, and none panics.
func TestBadInput(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	huge := bytes.Repeat([]byte("x"), 7*1024*1024+1)
	hugeBody := append(append([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":{"x":"`), huge...), []byte(`"}}}`)...)
	cases := map[string]struct {
		contentType string
		body        []byte
		// wantHTTP is the HTTP status; wantCode the AdmissionReview status code when 200.
		wantHTTP int
		wantCode int32
		wantMsg  string
	}{
		"non-JSON body":                {contentType: "application/json", body: []byte("this is not json"), wantHTTP: 200, wantCode: 400},
		"empty body":                   {contentType: "application/json", body: nil, wantHTTP: 200, wantCode: 400, wantMsg: "empty"},
		"wrong content type":           {contentType: "text/plain", body: review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(true, nil)), wantHTTP: 200, wantCode: 400, wantMsg: "contentType"},
		"missing request":              {contentType: "application/json", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), wantHTTP: 200, wantCode: 400, wantMsg: "no uid"},
		"missing uid":                  {contentType: "application/json", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Ingress"},"operation":"CREATE","object":{}}}`), wantHTTP: 200, wantCode: 400, wantMsg: "no uid"},
		"missing kind":                 {contentType: "application/json", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{}}}`), wantHTTP: 200, wantCode: 400, wantMsg: "no kind"},
		"unknown operation":            {contentType: "application/json", body: review("admission.k8s.io/v1", "Ingress", "PATCHIFY", "team", ingressObject(true, nil)), wantHTTP: 200, wantCode: 400, wantMsg: "unknown operation"},
		"CREATE without object":        {contentType: "application/json", body: review("admission.k8s.io/v1", "Ingress", "CREATE", "team", nil), wantHTTP: 200, wantCode: 400, wantMsg: "no object"},
		"body over 7 MiB":              {contentType: "application/json", body: hugeBody, wantHTTP: 200, wantCode: 413, wantMsg: "too large"},
		"JSON nested 10,000 levels":    {contentType: "application/json", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"Ingress"},"operation":"CREATE","object":` + deep + `}}`), wantHTTP: 200, wantCode: 400},
		"runtime error in a policy":    {contentType: "application/json", body: review("admission.k8s.io/v1", "Conflict", "CREATE", "team", map[string]any{}), wantHTTP: 500, wantMsg: "conflict"},
		"policy past the eval timeout": {contentType: "application/json", body: review("admission.k8s.io/v1", "Slow", "CREATE", "team", map[string]any{}), wantHTTP: 500, wantMsg: "deadline"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := defaultFixture(t)
			// Every bad input is answered. The slow policy's comprehension has 10^10
			// elements: only the 300ms eval timeout ends it, so an answer at all (long
			// before the generous liveness deadline) shows the timeout cut it.
			answered := make(chan result, 1)
			failed := make(chan error, 1)
			go func() {
				res, err := tryPost(f.validate, "/validate?timeout=5s", tc.contentType, bytes.NewReader(tc.body))
				if err != nil {
					failed <- err
					return
				}
				answered <- res
			}()
			var res result
			select {
			case res = <-answered:
			case err := <-failed:
				t.Fatal(err)
			case <-time.After(time.Minute):
				t.Fatal("no answer within a minute")
			}
			if res.status != tc.wantHTTP {
				t.Fatalf("HTTP %d, want %d: %.300s", res.status, tc.wantHTTP, res.body)
			}
			if res.status == 200 {
				if res.review.Response == nil {
					t.Fatalf("no response in %.300s", res.body)
				}
				if res.review.Response.Allowed {
					t.Fatalf("malformed request was allowed: %.300s", res.body)
				}
				if res.review.Response.Result == nil || res.review.Response.Result.Code != tc.wantCode {
					t.Fatalf("result = %+v, want code %d", res.review.Response.Result, tc.wantCode)
				}
				if !strings.Contains(res.review.Response.Result.Message, tc.wantMsg) {
					t.Errorf("message %q does not contain %q", res.review.Response.Result.Message, tc.wantMsg)
				}
			} else if !strings.Contains(string(res.body), tc.wantMsg) {
				t.Errorf("body %q does not contain %q", res.body, tc.wantMsg)
			}
			if name == "policy past the eval timeout" {
				// The evaluation ended on its deadline, and gave its slot back.
				if got := testutil.ToFloat64(f.metrics.undecided.WithLabelValues("validate", "timeout")); got != 1 {
					t.Errorf("undecided{reason=timeout} = %v, want 1", got)
				}
				if got := testutil.ToFloat64(f.metrics.inFlight); got != 0 {
					t.Errorf("in flight after the answer: %v, want 0", got)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Run("insecure ingress is denied with policy ID, warning and revision", func(t *testing.T) {
		f := defaultFixture(t)
		obj := ingressObject(false, nil)
		delete(obj["metadata"].(map[string]any), "labels")
		res := post(t, f.validate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "CREATE", "team", obj)))
		r := res.review.Response
		if r.Allowed || r.Result.Code != 403 || r.UID != "0000-1111" {
			t.Fatalf("response = %+v", r)
		}
		if want := "[ingress.require_tls] Ingress web has no TLS (policy revision abcdef0)"; r.Result.Message != want {
			t.Errorf("message = %q, want %q", r.Result.Message, want)
		}
		if len(r.Warnings) != 1 || r.Warnings[0] != "[ingress.require_tls] no owner label (policy revision abcdef0)" {
			t.Errorf("warnings = %q", r.Warnings)
		}
		if r.AuditAnnotations[AuditAnnotationRevision] != "abcdef0" {
			t.Errorf("audit annotations = %v", r.AuditAnnotations)
		}
		if got := testutil.ToFloat64(f.metrics.requests.WithLabelValues("validate", "Ingress", "CREATE", "denied")); got != 1 {
			t.Errorf("denied counter = %v", got)
		}
	})
	t.Run("secure ingress is allowed", func(t *testing.T) {
		f := defaultFixture(t)
		res := post(t, f.validate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(true, nil))))
		if !res.review.Response.Allowed || len(res.review.Response.Warnings) != 0 {
			t.Fatalf("response = %+v", res.review.Response)
		}
	})
	t.Run("v1beta1 is answered in v1beta1", func(t *testing.T) {
		f := defaultFixture(t)
		res := post(t, f.validate, "application/json", bytes.NewReader(review("admission.k8s.io/v1beta1", "Ingress", "CREATE", "team", ingressObject(false, nil))))
		if res.raw["apiVersion"] != "admission.k8s.io/v1beta1" || res.review.Response.Allowed {
			t.Fatalf("response = %s", res.body)
		}
	})
	t.Run("DELETE with a null object is allowed", func(t *testing.T) {
		f := defaultFixture(t)
		res := post(t, f.validate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "DELETE", "team", nil)))
		if res.status != 200 || !res.review.Response.Allowed {
			t.Fatalf("HTTP %d: %s", res.status, res.body)
		}
	})
	t.Run("unknown kinds are allowed", func(t *testing.T) {
		f := defaultFixture(t)
		res := post(t, f.validate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Widget", "CREATE", "team", map[string]any{})))
		if !res.review.Response.Allowed {
			t.Fatalf("response = %s", res.body)
		}
	})
	t.Run("own namespace and service account are exempt", func(t *testing.T) {
		f := defaultFixture(t)
		res := post(t, f.validate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "CREATE", "apiguard-system", ingressObject(false, nil))))
		if !res.review.Response.Allowed {
			t.Errorf("own namespace denied: %s", res.body)
		}
		if res.review.Response.AuditAnnotations[AuditAnnotationRevision] != "abcdef0" {
			t.Errorf("exempt answer lacks the revision: %s", res.body)
		}
		body := bytes.Replace(review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(false, nil)),
			[]byte(`"username":"alice"`), []byte(`"username":"system:serviceaccount:apiguard-system:apiguard"`), 1)
		res = post(t, f.validate, "application/json", bytes.NewReader(body))
		if !res.review.Response.Allowed {
			t.Errorf("own service account denied: %s", res.body)
		}
	})
	t.Run("policy audit annotations reach the response", func(t *testing.T) {
		f := newFixture(t, Options{}, map[string]string{"glass.rego": `package gitops.glass

warn contains {"msg": "break-glass change", "auditAnnotations": {"break-glass-reason": "INC-7 outage"}} if true
`})
		res := post(t, f.validate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(true, nil))))
		r := res.review.Response
		if !r.Allowed || r.AuditAnnotations["break-glass-reason"] != "INC-7 outage" || r.AuditAnnotations[AuditAnnotationRevision] != "abcdef0" {
			t.Fatalf("response = %s", res.body)
		}
		if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "break-glass change") {
			t.Errorf("warnings = %q", r.Warnings)
		}
	})
	t.Run("no active policy set answers 503", func(t *testing.T) {
		f := newFixture(t, Options{}, nil)
		res := post(t, f.validate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(true, nil))))
		if res.status != http.StatusServiceUnavailable || !strings.Contains(string(res.body), "no policy set") {
			t.Fatalf("HTTP %d: %s", res.status, res.body)
		}
		if got := testutil.ToFloat64(f.metrics.undecided.WithLabelValues("validate", "no_policy")); got != 1 {
			t.Errorf("undecided counter = %v", got)
		}
	})
}

func TestConcurrencyCap(t *testing.T) {
	f := newFixture(t, Options{EvalTimeout: 400 * time.Millisecond, MaxInFlight: 1},
		map[string]string{"slow.rego": slowPolicy, "tls.rego": testPolicies})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		post(t, f.validate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Slow", "CREATE", "team", map[string]any{})))
	}()
	// Wait until the slow request holds the only slot.
	deadline := time.Now().Add(2 * time.Second)
	for testutil.ToFloat64(f.metrics.inFlight) < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// The API server gives this call 100ms, so the budget (and the wait for a slot) ends
	// long before the slow request frees the slot.
	res := postURL(t, f.validate, "/validate?timeout=100ms", "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(true, nil))))
	wg.Wait()
	if res.status != http.StatusServiceUnavailable || !strings.Contains(string(res.body), "in flight") {
		t.Fatalf("HTTP %d: %s; want 503 while the only slot is busy", res.status, res.body)
	}
}

func TestMutate(t *testing.T) {
	f := defaultFixture(t)
	obj := ingressObject(true, nil)
	res := post(t, f.mutate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "CREATE", "team", obj)))
	r := res.review.Response
	if !r.Allowed || r.PatchType == nil || *r.PatchType != admissionv1.PatchTypeJSONPatch {
		t.Fatalf("response = %s", res.body)
	}
	if r.AuditAnnotations[AuditAnnotationRevision] != "abcdef0" {
		t.Errorf("audit annotations = %v", r.AuditAnnotations)
	}
	patch, err := jsonpatch.DecodePatch(r.Patch)
	if err != nil {
		t.Fatalf("patch %s: %v", r.Patch, err)
	}
	original, _ := json.Marshal(obj)
	patched, err := patch.Apply(original)
	if err != nil {
		t.Fatalf("patch does not apply: %v", err)
	}
	var got map[string]any
	_ = json.Unmarshal(patched, &got)
	if got["metadata"].(map[string]any)["annotations"].(map[string]any)["force-ssl-redirect"] != "true" {
		t.Fatalf("patched object = %s", patched)
	}
	// Idempotent: the patched object gets no further patch.
	res = post(t, f.mutate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "CREATE", "team", got)))
	if res.review.Response.Patch != nil {
		t.Errorf("second pass patched again: %s", base64.StdEncoding.EncodeToString(res.review.Response.Patch))
	}
	// A user's own value is never overwritten.
	res = post(t, f.mutate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(true, map[string]any{"force-ssl-redirect": "false"}))))
	if res.review.Response.Patch != nil {
		t.Errorf("user value overwritten: %s", res.review.Response.Patch)
	}
	// DELETE is never patched.
	res = post(t, f.mutate, "application/json", bytes.NewReader(review("admission.k8s.io/v1", "Ingress", "DELETE", "team", nil)))
	if !res.review.Response.Allowed || res.review.Response.Patch != nil {
		t.Errorf("DELETE response = %s", res.body)
	}
}

func TestDepthExceeds(t *testing.T) {
	cases := map[string]struct {
		in   string
		max  int
		want bool
	}{
		"flat":                {`{"a":1}`, 1, false},
		"two levels over one": {`{"a":{"b":1}}`, 1, true},
		"brackets in strings": {`{"a":"{{{{[[[["}`, 1, false},
		"escaped quote":       {`{"a":"\"{{{"}`, 1, false},
		"arrays count":        {`[[[1]]]`, 2, true},
		"empty":               {``, 1, false},
	}
	for name, tc := range cases {
		if got := depthExceeds([]byte(tc.in), tc.max); got != tc.want {
			t.Errorf("%s: depthExceeds(%s, %d) = %v", name, tc.in, tc.max, got)
		}
	}
}

// libraryHandlers returns handlers serving the bundled policy library at revision rev.
func libraryHandlers(tb testing.TB, rev string) *Handlers {
	tb.Helper()
	h, _ := handlersFor(tb, os.DirFS("../../policies"), rev)
	return h
}

// handlersFor returns handlers serving the policies in fsys at revision rev, and the set.
func handlersFor(tb testing.TB, fsys fs.FS, rev string) (*Handlers, *policy.PolicySet) {
	tb.Helper()
	set, err := policy.Load(context.Background(), fsys, policy.LoadOptions{Revision: rev})
	if err != nil {
		tb.Fatal(err)
	}
	holder := policy.NewHolder()
	holder.Swap(set)
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		tb.Fatal(err)
	}
	h, err := New(Options{Policies: holder, Metrics: m, Log: logr.Discard()})
	if err != nil {
		tb.Fatal(err)
	}
	return h, set
}

// serve posts body as JSON to handler and returns the recorded answer.
func serve(handler http.Handler, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec
}

// BenchmarkValidateIngress measures the whole /validate path (decode, evaluate with the
// bundled library, encode) for a denied Ingress, without TLS or the network.
func BenchmarkValidateIngress(b *testing.B) {
	validate := libraryHandlers(b, "bench").Validate()
	body := review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(false, nil))
	b.ReportAllocs()
	for b.Loop() {
		rec := serve(validate, "/validate", body)
		if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte(`"allowed":false`)) {
			b.Fatalf("HTTP %d: %s", rec.Code, rec.Body.Bytes())
		}
	}
}
