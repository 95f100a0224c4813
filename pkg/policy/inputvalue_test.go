package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	apitypes "k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// inputValueViaJSON is the conversion inputValue replaced: encode the whole request, copy
// it into a string, decode it into Go maps, convert those. It is the reference the direct
// parser must agree with, value for value.
func inputValueViaJSON(in Input) (ast.Value, error) {
	b, err := json.Marshal(in.Request)
	if err != nil {
		return nil, err
	}
	req, err := ast.ValueFromReader(strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	return ast.NewObject(ast.Item(ast.StringTerm("request"), ast.NewTerm(req))), nil
}

func requestWith(object, old string) Input {
	req := &admissionv1.AdmissionRequest{
		UID:       "u",
		Kind:      metav1.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"},
		Namespace: "team",
		Operation: admissionv1.Update,
	}
	if object != "" {
		req.Object.Raw = []byte(object)
	}
	if old != "" {
		req.OldObject.Raw = []byte(old)
	}
	return Input{Request: req}
}

func TestInputValueAgreesWithJSONDecoding(t *testing.T) {
	cases := map[string]Input{
		"empty object":       requestWith(`{}`, ""),
		"no object":          requestWith("", ""),
		"null object":        requestWith(`null`, `null`),
		"both objects":       requestWith(`{"a":1}`, `{"a":2}`),
		"whitespace":         requestWith(" {\n\t\"a\" : [ 1 , 2 ] ,\r\n \"b\":{ } } ", ""),
		"numbers":            requestWith(`{"n":[0,-0,1,-1,10,1.5,1.50,-2.25e10,1E-3,12345678901234567890123,1e400,0.1]}`, ""),
		"literals":           requestWith(`{"t":true,"f":false,"n":null,"a":[],"o":{}}`, ""),
		"escapes":            requestWith(`{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\u0000"}`, ""),
		"lone surrogate":     requestWith(`{"s":"\ud800x"}`, ""),
		"utf8":               requestWith(`{"s":"héllo wörld 日本","k\u00e9y":1,"kéy2":2}`, ""),
		"invalid utf8":       requestWith("{\"s\":\"a\xffb\"}", ""),
		"duplicate keys":     requestWith(`{"a":1,"b":2,"a":3}`, ""),
		"many dup keys":      requestWith(`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k3":"last"}`, ""),
		"long shared keys":   requestWith(`{"`+strings.Repeat("k", 40)+`":1,"`+strings.Repeat("k", 40)+`":2}`, ""),
		"top-level array":    requestWith(`[1,"a",{"b":null}]`, ""),
		"top-level string":   requestWith(`"just a string"`, ""),
		"nested":             requestWith(`{"a":{"b":{"c":[[[{"d":"e"}]]]}}}`, ""),
		"repeated values":    requestWith(`{"p":[{"pathType":"Prefix"},{"pathType":"Prefix"}]}`, ""),
		"typed object":       {Request: &admissionv1.AdmissionRequest{UID: "u", Operation: admissionv1.Create, Object: k8sruntime.RawExtension{Object: &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "web"}}}}},
		"request fields set": {Request: ingressRequest(admissionv1.Create, "team", ingress("web", true))},
	}
	// Every object the examples and fixtures hold.
	files, _ := filepath.Glob("../../examples/*.yaml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(b), "\n---") {
			j, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil || string(j) == "null" {
				continue
			}
			cases[fmt.Sprintf("%s#%d", filepath.Base(f), i)] = requestWith(string(j), string(j))
		}
	}
	cases["large ingress"] = requestWith(string(mustJSON(t, ingressWithHosts(2000))), "")
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			want, wantErr := inputValueViaJSON(in)
			got, err := inputValue(in)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, the JSON path's error %v", err, wantErr)
			}
			if err != nil {
				return
			}
			if want.Compare(got) != 0 {
				t.Errorf("values differ:\n got %.2000s\nwant %.2000s", got, want)
			}
		})
	}
}

func TestInputValueRejectsInvalidJSON(t *testing.T) {
	for _, raw := range []string{
		`{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1}x`, `"unterminated`, `tru`, `nul`, `-`, `01`,
		`1.`, `1e`, `.5`, `+1`, "\"a\x01b\"", `{1:2}`, `"\x"`, `'a'`, ``,
	} {
		if _, err := inputValue(requestWith(raw, "")); err == nil && raw != "" {
			t.Errorf("%q: no error", raw)
		}
	}
	deep := strings.Repeat("[", maxRawDepth+1) + strings.Repeat("]", maxRawDepth+1)
	if _, err := inputValue(requestWith(deep, "")); err == nil {
		t.Error("nesting deeper than maxRawDepth: no error")
	}
}

// FuzzInputValue: the direct parser never panics, rejects what encoding/json rejects, and
// agrees with the JSON path on everything it accepts.
func FuzzInputValue(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2.5,"x"]}`, `{"s":"\u00e9\ud83d\ude00"}`, `[true,false,null]`, `{"a":1,"a":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		in := requestWith(raw, "")
		got, err := inputValue(in)
		valid := json.Valid([]byte(raw))
		if raw == "" {
			return
		}
		if !valid {
			if err == nil {
				t.Fatalf("%q: accepted invalid JSON", raw)
			}
			return
		}
		want, wantErr := inputValueViaJSON(in)
		if wantErr != nil {
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if want.Compare(got) != 0 {
			t.Fatalf("%q: got %v, want %v", raw, got, want)
		}
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkInputValue compares the conversion of a large Ingress (about 3 MiB) before and
// after: B/op and allocs/op are what one request allocates, and retained-B what the input
// holds once converted (the OPA value every evaluation keeps alive).
func BenchmarkInputValue(b *testing.B) {
	obj := mustJSON(b, bigIngressMap(3<<20))
	in := requestWith(string(obj), "")
	for name, convert := range map[string]func(Input) (ast.Value, error){
		"json-path": inputValueViaJSON,
		"direct":    inputValue,
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(obj)))
			b.ReportAllocs()
			var retained uint64
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				v, err := convert(in)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				retained = after.HeapAlloc - before.HeapAlloc
				runtime.KeepAlive(v)
			}
			b.ReportMetric(float64(retained), "retained-B")
			b.ReportMetric(float64(retained)/float64(len(obj)), "retained/body")
		})
	}
}

// bigIngressMap is an Ingress of about size bytes of JSON: hosts with twenty distinct
// paths each, every host in one TLS entry (test/availability sends the same shape).
func bigIngressMap(size int) map[string]any {
	var rules, hosts []any
	for h, total := 0, 0; total < size; h++ {
		host := fmt.Sprintf("h%05d.apps.example.com", h)
		var paths []any
		for p := range 20 {
			paths = append(paths, map[string]any{
				"path": fmt.Sprintf("/api/v%d/team-%05d/resource", p, h), "pathType": "Prefix",
				"backend": map[string]any{"service": map[string]any{"name": fmt.Sprintf("svc-%05d", h), "port": map[string]any{"number": 8080}}},
			})
		}
		rules = append(rules, map[string]any{"host": host, "http": map[string]any{"paths": paths}})
		hosts = append(hosts, host)
		total += 20*127 + 60
	}
	return map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": "big", "namespace": "team"},
		"spec": map[string]any{
			"ingressClassName": "nginx", "rules": rules,
			"tls": []any{map[string]any{"hosts": hosts, "secretName": "big-tls"}},
		},
	}
}

// BenchmarkValidateLargeIngress is the validating webhook's work on a 3 MiB Ingress (the
// object test/availability sends eight of at once).
func BenchmarkValidateLargeIngress(b *testing.B) {
	set := loadLibraryWithExamples(b)
	obj := mustJSON(b, bigIngressMap(3<<20))
	in := complexityRequest(b, complexityFamily{group: "networking.k8s.io", kind: "Ingress"}, bigIngressMap(3<<20))
	b.SetBytes(int64(len(obj)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Validate(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRequestValueMatchesJSON builds requests with every field of AdmissionRequest in
// each of its encodings (unset, empty, set; nil and non-nil pointers, slices and maps;
// invalid UTF-8; raw, typed and absent objects and options) and checks that the value
// built from the struct is the one the JSON round trip gives. A field added to
// AdmissionRequest upstream shows up here as a difference in "every field set".
func TestRequestValueMatchesJSON(t *testing.T) {
	rnd := rand.New(rand.NewPCG(18, 1))
	pick := func(options ...string) string { return options[rnd.IntN(len(options))] }
	str := func() string {
		return pick("", "a", "team-a", "sa\xffx", "日本", `q"uo\te`, strings.Repeat("long", 12))
	}
	strs := func() []string {
		switch rnd.IntN(4) {
		case 0:
			return nil
		case 1:
			return []string{}
		default:
			return []string{str(), "system:authenticated", str()}
		}
	}
	raw := func() k8sruntime.RawExtension {
		switch rnd.IntN(4) {
		case 0:
			return k8sruntime.RawExtension{}
		case 1:
			return k8sruntime.RawExtension{Raw: []byte(`{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":80}]}}`)}
		case 2:
			return k8sruntime.RawExtension{Raw: []byte(`null`)}
		default:
			return k8sruntime.RawExtension{Object: &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: str()}}}
		}
	}
	gvk := func() metav1.GroupVersionKind {
		return metav1.GroupVersionKind{Group: str(), Version: pick("", "v1"), Kind: pick("", "Ingress")}
	}
	gvr := func() metav1.GroupVersionResource {
		return metav1.GroupVersionResource{Group: str(), Version: pick("", "v1"), Resource: pick("", "ingresses")}
	}
	random := func() *admissionv1.AdmissionRequest {
		r := &admissionv1.AdmissionRequest{
			UID: apitypes.UID(str()), Kind: gvk(), Resource: gvr(), SubResource: str(),
			RequestSubResource: str(), Name: str(), Namespace: str(),
			Operation: admissionv1.Operation(pick("", "CREATE", "UPDATE")),
			UserInfo:  authenticationv1.UserInfo{Username: str(), UID: str(), Groups: strs()},
			Object:    raw(), OldObject: raw(), Options: raw(),
		}
		if rnd.IntN(2) == 0 {
			k := gvk()
			r.RequestKind = &k
		}
		if rnd.IntN(2) == 0 {
			res := gvr()
			r.RequestResource = &res
		}
		if rnd.IntN(3) > 0 {
			dry := rnd.IntN(2) == 0
			r.DryRun = &dry
		}
		switch rnd.IntN(3) {
		case 1:
			r.UserInfo.Extra = map[string]authenticationv1.ExtraValue{}
		case 2:
			// Distinct keys even after invalid bytes are replaced.
			r.UserInfo.Extra = map[string]authenticationv1.ExtraValue{"scopes": strs(), "bad\xffkey": nil, "e": {"x"}}
		}
		return r
	}
	dry := true
	all := &admissionv1.AdmissionRequest{
		UID: "u", Kind: metav1.GroupVersionKind{Group: "g", Version: "v", Kind: "K"},
		Resource: metav1.GroupVersionResource{Group: "g", Version: "v", Resource: "ks"}, SubResource: "s",
		RequestKind:        &metav1.GroupVersionKind{Group: "g", Version: "v2", Kind: "K"},
		RequestResource:    &metav1.GroupVersionResource{Group: "g", Version: "v2", Resource: "ks"},
		RequestSubResource: "s", Name: "n", Namespace: "ns", Operation: admissionv1.Update,
		UserInfo: authenticationv1.UserInfo{Username: "alice", UID: "1", Groups: []string{"g"}, Extra: map[string]authenticationv1.ExtraValue{"e": {"x"}}},
		Object:   k8sruntime.RawExtension{Raw: []byte(`{"a":1}`)}, OldObject: k8sruntime.RawExtension{Raw: []byte(`{"a":0}`)},
		DryRun: &dry, Options: k8sruntime.RawExtension{Raw: []byte(`{"kind":"UpdateOptions","apiVersion":"meta.k8s.io/v1"}`)},
	}
	cases := map[string]*admissionv1.AdmissionRequest{"every field set": all, "zero request": {}}
	for i := range 300 {
		cases[fmt.Sprintf("random %d", i)] = random()
	}
	for name, r := range cases {
		in := Input{Request: r}
		want, err := inputValueViaJSON(in)
		if err != nil {
			t.Fatalf("%s: JSON path: %v", name, err)
		}
		got, err := inputValue(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want.Compare(got) != 0 {
			t.Errorf("%s: values differ:\n got %v\nwant %v", name, got, want)
		}
	}
	// The test must see every field: if the struct grew a field, "every field set"
	// still compares equal on both sides only when requestValue writes it.
	if n := reflect.TypeFor[admissionv1.AdmissionRequest]().NumField(); n != 15 {
		t.Errorf("AdmissionRequest has %d fields, requestValue knows 15: add the new ones to requestValue and to this test", n)
	}
}

// BenchmarkInputValueSmall is the conversion of an ordinary request: a small Ingress with
// the request fields the API server sends (user, groups, options, requestKind). Here the
// request's own fields are a large share of the work.
func BenchmarkInputValueSmall(b *testing.B) {
	in := Input{Request: ingressRequest(admissionv1.Create, "team", ingress("web", true))}
	dry := false
	in.Request.UserInfo = authenticationv1.UserInfo{Username: "system:serviceaccount:argocd:argocd-application-controller", UID: "6c1f0b9e", Groups: []string{"system:serviceaccounts", "system:serviceaccounts:argocd", "system:authenticated"}}
	in.Request.RequestKind, in.Request.RequestResource = &in.Request.Kind, &in.Request.Resource
	in.Request.DryRun = &dry
	in.Request.Options.Raw = []byte(`{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1","fieldManager":"argocd-controller"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := inputValue(in); err != nil {
			b.Fatal(err)
		}
	}
}
