package admission

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/apiguard/apiguard/pkg/policy"
)

// FuzzValidate feeds arbitrary bodies to /validate with the bundled library. Whatever
// arrives: no panic; the answer is an AdmissionReview (HTTP 200) or an undecided 5xx;
// and nothing is allowed unless it was a well-formed request with a uid.
func FuzzValidate(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/golden/*.request.json")
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(b)
	}
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","kind":{"kind":"Ingress"},"operation":"CREATE","object":{"spec":{"rules":[{"host":7}]}}}}`))
	f.Add([]byte(`{"request":{"uid":"x","kind":{"kind":"Ingress"},"operation":"DELETE","oldObject":null}}`))
	f.Add([]byte("null"))
	set, err := policy.Load(context.Background(), os.DirFS("../../policies"), policy.LoadOptions{Revision: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	holder := policy.NewHolder()
	holder.Swap(set)
	m, _ := NewMetrics(prometheus.NewRegistry())
	h, _ := New(Options{Policies: holder, Metrics: m, Log: logr.Discard()})
	validate := h.Validate()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		validate.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
		case http.StatusInternalServerError, http.StatusServiceUnavailable:
			return
		default:
			t.Fatalf("HTTP %d", rec.Code)
		}
		var resp admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Response == nil {
			t.Fatalf("2xx without an AdmissionReview response: %v %s", err, rec.Body.Bytes())
		}
		if !resp.Response.Allowed {
			return
		}
		// Allowed: the body must have decoded into a request that names a uid and kind.
		var in admissionv1.AdmissionReview
		if err := json.Unmarshal(body, &in); err != nil || in.Request == nil || in.Request.UID == "" || in.Request.Kind.Kind == "" {
			t.Fatalf("allowed a request that is not well-formed: %s", body)
		}
	})
}

// BenchmarkNullWebhook is the reference for BenchmarkValidateIngress: the same
// controller-runtime decode and encode, with a handler that allows everything. The ratio
// between the two is what policy evaluation costs.
func BenchmarkNullWebhook(b *testing.B) {
	wh := &admission.Webhook{Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
		return admission.Allowed("")
	})}
	body := review("admission.k8s.io/v1", "Ingress", "CREATE", "team", ingressObject(false, nil))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		wh.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
