package references

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

func ingress(annotations map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": "web", "namespace": "demo", "annotations": annotations},
	}
}

// TestIngressTemplate: the template is read as Tyk Operator's ingress controller reads
// it (controllers/ingress_controller.go Reconcile): the kind is TykOasApiDefinition only
// when tyk.io/template-kind is exactly that, and the namespace is the Ingress's own.
func TestIngressTemplate(t *testing.T) {
	tests := map[string]struct {
		obj  map[string]any
		want TemplateRef
		ok   bool
	}{
		"classic by default":   {ingress(map[string]any{"tyk.io/template": "tpl"}), TemplateRef{KindApiDefinition, "demo", "tpl"}, true},
		"oas":                  {ingress(map[string]any{"tyk.io/template": "tpl", "tyk.io/template-kind": "TykOasApiDefinition"}), TemplateRef{KindTykOasApiDefinition, "demo", "tpl"}, true},
		"kind in another case": {ingress(map[string]any{"tyk.io/template": "tpl", "tyk.io/template-kind": "tykoasapidefinition"}), TemplateRef{KindApiDefinition, "demo", "tpl"}, true},
		"kind with a space":    {ingress(map[string]any{"tyk.io/template": "tpl", "tyk.io/template-kind": " TykOasApiDefinition"}), TemplateRef{KindApiDefinition, "demo", "tpl"}, true},
		"blank kind":           {ingress(map[string]any{"tyk.io/template": "tpl", "tyk.io/template-kind": "  "}), TemplateRef{KindApiDefinition, "demo", "tpl"}, true},
		"name kept verbatim":   {ingress(map[string]any{"tyk.io/template": "other/tpl"}), TemplateRef{KindApiDefinition, "demo", "other/tpl"}, true},
		"no template":          {ingress(map[string]any{"kubernetes.io/ingress.class": "tyk"}), TemplateRef{}, false},
		"empty template":       {ingress(map[string]any{"tyk.io/template": ""}), TemplateRef{}, false},
		"not an Ingress": {func() map[string]any {
			o := ingress(map[string]any{"tyk.io/template": "tpl"})
			o["kind"] = "Service"
			o["apiVersion"] = "v1"
			return o
		}(), TemplateRef{}, false},
		"Ingress of another group": {func() map[string]any {
			o := ingress(map[string]any{"tyk.io/template": "tpl"})
			o["apiVersion"] = "example.com/v1"
			return o
		}(), TemplateRef{}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := IngressTemplate(tt.obj, "demo")
			if ok != tt.ok || got != tt.want {
				t.Errorf("IngressTemplate = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func tykObject(kind, namespace, name string, spec map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": "tyk.tyk.io/v1alpha1", "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": namespace, "labels": map[string]any{"tyk.io/template": "true"}, "uid": "x"},
		"spec":     spec,
		"status":   map[string]any{"latestTransaction": "y"},
	}
}

func TestResolveIngressTemplateOffline(t *testing.T) {
	ctx := context.Background()
	classic := tykObject(KindApiDefinition, "demo", "tpl", map[string]any{"use_keyless": true})
	oas := tykObject(KindTykOasApiDefinition, "", "oas-tpl", map[string]any{"tykOAS": map[string]any{"configmapRef": map[string]any{"name": "doc", "keyName": "oas.json"}}})
	ix := NewIndex(slices.Values([]map[string]any{classic, oas, configMap("demo", "doc", map[string]any{"oas.json": "{}"})}), "demo")
	if ix.Len() != 3 {
		t.Fatalf("indexed %d objects, want 3", ix.Len())
	}
	kept := func(o map[string]any) map[string]any {
		return map[string]any{"apiVersion": o["apiVersion"], "kind": o["kind"], "spec": o["spec"],
			"metadata": map[string]any{"name": o["metadata"].(map[string]any)["name"], "namespace": o["metadata"].(map[string]any)["namespace"], "labels": map[string]any{"tyk.io/template": "true"}}}
	}
	oasKept := kept(oas)
	tests := map[string]struct {
		annotations map[string]any
		want        map[string]any
	}{
		"classic template found": {
			map[string]any{"tyk.io/template": "tpl"},
			map[string]any{"apidefinitions": map[string]any{"demo/tpl": map[string]any{"namespace": "demo", "name": "tpl", "found": true, "source": SourceInput, "object": kept(classic)}}},
		},
		"oas template and its ConfigMap (two steps)": {
			map[string]any{"tyk.io/template": "oas-tpl", "tyk.io/template-kind": "TykOasApiDefinition"},
			map[string]any{
				"tykoasapidefinitions": map[string]any{"demo/oas-tpl": map[string]any{"namespace": "demo", "name": "oas-tpl", "found": true, "source": SourceInput, "object": oasKept}},
				"configmaps":           map[string]any{"demo/doc": map[string]any{"namespace": "demo", "name": "doc", "found": true, "source": SourceInput, "data": map[string]any{"oas.json": "{}"}}},
			},
		},
		"a kind the controller does not know reads the ApiDefinition": {
			map[string]any{"tyk.io/template": "oas-tpl", "tyk.io/template-kind": "tykoasapidefinition"},
			map[string]any{"apidefinitions": map[string]any{"demo/oas-tpl": map[string]any{"namespace": "demo", "name": "oas-tpl", "found": false, "source": SourceInput}}},
		},
		"template not in the input": {
			map[string]any{"tyk.io/template": "gone", "tyk.io/template-kind": "TykOasApiDefinition"},
			map[string]any{"tykoasapidefinitions": map[string]any{"demo/gone": map[string]any{"namespace": "demo", "name": "gone", "found": false, "source": SourceInput}}},
		},
		"no template annotation": {map[string]any{"kubernetes.io/ingress.class": "tyk"}, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Resolve(ctx, ingress(tt.annotations), "demo", SourceInput, ix.Lookup)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if got != nil {
					t.Errorf("Resolve = %v, want nil", got)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolve = %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestResolveIngressTemplateLookupError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	lookup := func(_ context.Context, kind, _, _ string) (map[string]any, bool, error) {
		calls++
		if kind == KindConfigMap {
			return nil, false, boom
		}
		return tykObject(KindTykOasApiDefinition, "demo", "t", map[string]any{"tykOAS": map[string]any{"configmapRef": map[string]any{"name": "doc", "keyName": "k"}}}), true, nil
	}
	_, err := Resolve(context.Background(), ingress(map[string]any{"tyk.io/template": "t", "tyk.io/template-kind": "TykOasApiDefinition"}), "demo", SourceCluster, lookup)
	if !errors.Is(err, boom) || calls != 2 {
		t.Errorf("a failed second-step lookup must fail the resolution: err %v after %d lookups", err, calls)
	}
}

// TestClusterLookupTemplates reads templates through a real clientset against a fake
// API server: one GET of the named object, 404 is found: false, any other failure an
// error, and an impossible name is not asked for.
func TestClusterLookupTemplates(t *testing.T) {
	// The handler of a request the client gave up on may still run while the test reads
	// the log, so the log is guarded.
	var mu sync.Mutex
	var paths []string
	requests := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(paths)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/apis/tyk.tyk.io/v1alpha1/namespaces/demo/apidefinitions/tpl":
			_, _ = w.Write([]byte(`{"apiVersion":"tyk.tyk.io/v1alpha1","kind":"ApiDefinition","metadata":{"name":"tpl","namespace":"demo"},"spec":{"use_keyless":true,"proxy":{"listen_path":"/x"}}}`))
		case "/apis/tyk.tyk.io/v1alpha1/namespaces/demo/apidefinitions/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			w.WriteHeader(http.StatusOK)
		case "/apis/tyk.tyk.io/v1alpha1/namespaces/demo/tykoasapidefinitions/denied":
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`))
		}
	}))
	defer srv.Close()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	lookup := ClusterLookup(cs)
	ctx := context.Background()
	obj, found, err := lookup(ctx, KindApiDefinition, "demo", "tpl")
	if err != nil || !found {
		t.Fatalf("existing template: found %v, err %v", found, err)
	}
	if spec, _ := obj["spec"].(map[string]any); spec["use_keyless"] != true {
		t.Errorf("template spec = %v", obj["spec"])
	}
	if _, found, err := lookup(ctx, KindTykOasApiDefinition, "demo", "gone"); found || err != nil {
		t.Errorf("missing template: found %v, err %v (want false, nil)", found, err)
	}
	if _, _, err := lookup(ctx, KindTykOasApiDefinition, "demo", "denied"); err == nil || !strings.Contains(err.Error(), "denied") {
		t.Errorf("a forbidden GET must fail the lookup, got %v", err)
	}
	// The request's evaluation budget bounds the GET: a slow API server fails the
	// lookup (the request is undecided), it never passes.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, found, err := lookup(short, KindApiDefinition, "demo", "slow"); err == nil || found || time.Since(start) > 2*time.Second {
		t.Errorf("a GET past the budget: found %v, err %v after %v", found, err, time.Since(start))
	}
	n := len(requests())
	if _, found, err := lookup(ctx, KindApiDefinition, "demo", "other/tpl"); found || err != nil || len(requests()) != n {
		t.Errorf("a name with a slash: found %v, err %v, %d requests (want none)", found, err, len(requests())-n)
	}
	if _, _, err := lookup(ctx, "Secret", "demo", "x"); err == nil {
		t.Error("a kind with no lookup must be an error")
	}
	for _, p := range requests() {
		if !strings.HasPrefix(p, "GET /apis/tyk.tyk.io/v1alpha1/namespaces/demo/") {
			t.Errorf("request %s: only a GET of the named template is allowed", p)
		}
	}
}
