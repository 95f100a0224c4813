package admission

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	admissionv1beta1 "k8s.io/api/admission/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/apiguard/apiguard/pkg/policy"
)

// fuzzDenyPolicy denies any kind when one label is set, so the fuzzer reaches a denial
// from nearly any well-formed body, not only from the library's Ingress and Tyk shapes.
const fuzzDenyPolicy = `package fuzz.bad_label

deny contains "label bad=x" if input.request.object.metadata.labels.bad == "x"
`

// FuzzAdmissionReview feeds arbitrary bodies to both /validate and /mutate, serving the
// bundled library plus fuzzDenyPolicy. Whatever arrives:
//   - no panic, and the answer is an AdmissionReview (HTTP 200) or an undecided 5xx;
//   - the answer echoes the request's uid and AdmissionReview version;
//   - /validate never allows what the oracle denies: the body decoded independently, the
//     way the API server's libraries decode it, and judged directly by policy.Evaluate;
//     nor does it allow what the oracle cannot decide;
//   - a /mutate patch applies to the request's object (RFC 6902, as the API server
//     applies it) and gives what policy.Mutate gives; no patch means Mutate adds nothing.
func FuzzAdmissionReview(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/golden/*.request.json")
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(b)
	}
	bad := map[string]any{"metadata": map[string]any{"name": "a", "labels": map[string]any{"bad": "x"}}}
	for _, s := range [][]byte{
		[]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","kind":{"kind":"Ingress"},"operation":"CREATE","object":{"spec":{"rules":[{"host":7}]}}}}`),
		[]byte(`{"request":{"uid":"x","kind":{"kind":"Ingress"},"operation":"DELETE","oldObject":null}}`),
		[]byte(`{"request":{"uid":"x","kind":{"kind":"Widget"},"operation":"CREATE","Object":{"metadata":{"labels":{"bad":"x"}}}}}`),
		[]byte(`{"request":{"uid":"x","kind":{"kind":"Widget"},"operation":"CREATE","object":{"metadata":{"labels":{"bad":"y","bad":"x"}}}}}`),
		[]byte("null"),
		review("admission.k8s.io/v1", "ConfigMap", "CREATE", "team", bad),
		review("admission.k8s.io/v1beta1", "Widget", "CREATE", "team", bad),
		review("admission.k8s.io/v1", "Ingress", "UPDATE", "team", ingressObject(false, map[string]any{"bad": "x"})),
		updateReview("Widget", "", bad, bad),
		updateReview("Widget", "status", bad, map[string]any{}),
		updateReview("Ingress", "", ingressObject(false, nil), ingressObject(false, map[string]any{"a": "b"})),
	} {
		f.Add(s)
	}
	h, set := fuzzHandlers(f)
	validate, mutate := h.Validate(), h.Mutate()
	decode := reviewDecoder()
	f.Fuzz(func(t *testing.T, body []byte) {
		req, gvk := decode(body)
		vres := answer(t, "validate", serve(validate, "/validate", body), req, gvk)
		mres := answer(t, "mutate", serve(mutate, "/mutate", body), req, gvk)
		if vres != nil && vres.Allowed {
			checkAllowed(t, set, req)
		}
		if mres != nil && mres.Allowed {
			checkMutation(t, set, req, mres)
		}
	})
}

// fuzzHandlers serves the bundled library plus fuzzDenyPolicy, with no exemptions.
func fuzzHandlers(tb testing.TB) (*Handlers, *policy.PolicySet) {
	tb.Helper()
	fsys := fstest.MapFS{"fuzz/bad_label.rego": {Data: []byte(fuzzDenyPolicy)}}
	library := os.DirFS("../../policies")
	err := fs.WalkDir(library, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(library, p)
		fsys["library/"+p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return handlersFor(tb, fsys, "fuzz")
}

// reviewDecoder decodes an AdmissionReview body as the apimachinery universal
// deserializer does for controller-runtime (v1beta1 read into the v1 type), without
// going through the handler. It returns the request (nil if there is none) and the
// AdmissionReview type the body declares, which the answer must echo.
func reviewDecoder() func(body []byte) (*admissionv1.AdmissionRequest, schema.GroupVersionKind) {
	scheme := runtime.NewScheme()
	if err := admissionv1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := admissionv1beta1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	deserializer := serializer.NewCodecFactory(scheme).UniversalDeserializer()
	reviewV1 := admissionv1.SchemeGroupVersion.WithKind("AdmissionReview")
	return func(body []byte) (*admissionv1.AdmissionRequest, schema.GroupVersionKind) {
		// Typed as v1 but not registered as such, so either version decodes into it.
		var ar struct{ admissionv1.AdmissionReview }
		ar.SetGroupVersionKind(reviewV1)
		_, gvk, err := deserializer.Decode(body, nil, &ar)
		if err != nil {
			return nil, schema.GroupVersionKind{}
		}
		if gvk == nil || gvk.Empty() {
			return ar.Request, reviewV1
		}
		return ar.Request, *gvk
	}
}

// answer checks the HTTP answer's shape and returns its AdmissionResponse (nil for 5xx).
func answer(t *testing.T, webhook string, rec *httptest.ResponseRecorder, req *admissionv1.AdmissionRequest, gvk schema.GroupVersionKind) *admissionv1.AdmissionResponse {
	t.Helper()
	body := rec.Body
	switch rec.Code {
	case http.StatusOK:
	case http.StatusInternalServerError, http.StatusServiceUnavailable:
		return nil
	default:
		t.Fatalf("%s: HTTP %d: %s", webhook, rec.Code, body)
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(body.Bytes(), &out); err != nil || out.Response == nil {
		t.Fatalf("%s: 2xx without an AdmissionReview response: %v %s", webhook, err, body)
	}
	if req == nil {
		if out.Response.Allowed {
			t.Fatalf("%s: allowed a body that is not an AdmissionReview with a request", webhook)
		}
		return out.Response
	}
	if out.Response.UID != req.UID {
		t.Fatalf("%s: answered uid %q for request uid %q", webhook, out.Response.UID, req.UID)
	}
	// The answer is typed as the request was: admission.k8s.io/v1 or v1beta1 for anything
	// an API server sends, and an echo of whatever else a direct caller declared.
	if out.GroupVersionKind() != gvk {
		t.Fatalf("%s: answered a %s to a %s", webhook, out.GroupVersionKind(), gvk)
	}
	if out.Response.Allowed && (req.UID == "" || req.Kind.Kind == "") {
		t.Fatalf("%s: allowed a request without uid or kind", webhook)
	}
	return out.Response
}

// oracleContext bounds one direct evaluation; past it the oracle has no opinion.
func oracleContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

func timedOut(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// checkAllowed: /validate allowed req, so the policies judged directly must allow it too.
func checkAllowed(t *testing.T, set *policy.PolicySet, req *admissionv1.AdmissionRequest) {
	t.Helper()
	ctx, cancel := oracleContext()
	defer cancel()
	d, err := set.Evaluate(ctx, policy.Input{Request: req})
	switch {
	case timedOut(err):
	case err != nil:
		t.Fatalf("validate allowed a request the policies cannot decide: %v", err)
	case !d.Allowed():
		t.Fatalf("validate allowed a request the policies deny: %s", d.DenialMessage())
	}
}

// checkMutation: what /mutate answered is what policy.Mutate makes of the object, and
// its patch applies to the object as the API server applies it.
func checkMutation(t *testing.T, set *policy.PolicySet, req *admissionv1.AdmissionRequest, resp *admissionv1.AdmissionResponse) {
	t.Helper()
	ctx, cancel := oracleContext()
	defer cancel()
	m, err := set.Mutate(ctx, policy.Input{Request: req}, policy.DefaultMaxMutationRounds)
	if timedOut(err) {
		return
	}
	if resp.Patch == nil {
		if err == nil && m.Changed() && req.Operation != admissionv1.Delete && req.Operation != admissionv1.Connect {
			t.Fatalf("mutate added nothing; the policies add %+v", m.Applied)
		}
		return
	}
	if err != nil {
		t.Fatalf("mutate patched a request the policies cannot mutate: %v", err)
	}
	if resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch {
		t.Fatalf("patch type %v", resp.PatchType)
	}
	patch, err := jsonpatch.DecodePatch(resp.Patch)
	if err != nil {
		t.Fatalf("patch %s does not decode: %v", resp.Patch, err)
	}
	got, err := patch.Apply(req.Object.Raw)
	if err != nil {
		t.Fatalf("patch %s does not apply to %s: %v", resp.Patch, req.Object.Raw, err)
	}
	if !sameJSON(got, m.Patched) {
		t.Fatalf("patched object %s, the policies make %s", got, m.Patched)
	}
}

func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
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
