package admission

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
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
	validate := libraryHandlers(f, "fuzz").Validate()
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := serve(validate, "/validate", body)
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
		if rec := serve(wh, "/validate", body); rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
