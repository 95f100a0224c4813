package evaluate

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/apiguard/apiguard/pkg/policy"
)

// The label policy denies objects without an owner; the default fills one in for
// CREATE only, so whether the verdict is taken after mutation shows in the outcome.
const policies = `package owner

deny contains "no owner" if {
	input.request.operation in {"CREATE", "UPDATE"}
	not input.request.object.metadata.labels.owner
}

patch contains {"op": "add", "path": "/metadata/labels", "value": {"owner": "platform"}} if {
	input.request.operation == "CREATE"
	not input.request.object.metadata.labels
}

warn contains sprintf("claims %v", [object.keys(data.apiguard.inventory.hosts)]) if {
	count(data.apiguard.inventory.hosts) > 0
}

deny contains "old object seen" if input.request.oldObject.metadata.name == "old"
`

func loadSet(t *testing.T, data ...map[string]any) *policy.PolicySet {
	t.Helper()
	fsys := fstest.MapFS{"owner.rego": &fstest.MapFile{Data: []byte(policies)}}
	set, err := policy.Load(context.Background(), fsys, policy.LoadOptions{Revision: "rev1", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestObjectMutatesThenValidates(t *testing.T) {
	set := loadSet(t)
	cases := map[string]struct {
		obj         string
		opts        policy.RequestOptions
		wantAllowed bool
		wantPatches int
		wantLabels  string
		wantNS      string
	}{
		"CREATE without labels is patched, then admitted": {
			obj: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`, opts: policy.RequestOptions{Namespace: "team"},
			wantAllowed: true, wantPatches: 1, wantLabels: `{"owner":"platform"}`, wantNS: "team",
		},
		"UPDATE is not patched and is denied": {
			obj: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"x"}}`, opts: policy.RequestOptions{Operation: admissionv1.Update, Old: []byte(`{"metadata":{"name":"a"}}`)},
			wantAllowed: false, wantLabels: `null`, wantNS: "x",
		},
		"labels without an owner are not overwritten": {
			obj:         `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"app":"x"}}}`,
			wantAllowed: false, wantLabels: `{"app":"x"}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Object(context.Background(), set, []byte(tc.obj), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision.Allowed() != tc.wantAllowed || len(res.Patches) != tc.wantPatches || res.Decision.Revision != "rev1" {
				t.Errorf("allowed=%t patches=%v revision=%q", res.Decision.Allowed(), res.Patches, res.Decision.Revision)
			}
			var patched struct {
				Metadata struct {
					Labels json.RawMessage `json:"labels"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal(res.Patched, &patched); err != nil {
				t.Fatal(err)
			}
			if got := string(patched.Metadata.Labels); got != tc.wantLabels && !(got == "" && tc.wantLabels == "null") {
				t.Errorf("patched labels = %s, want %s", got, tc.wantLabels)
			}
			if res.Request == nil || res.Request.Namespace != tc.wantNS {
				t.Errorf("request = %+v", res.Request)
			}
			if string(res.Request.Object.Raw) != tc.obj {
				t.Error("the request's object is not the original")
			}
		})
	}
}

func TestRequestDelete(t *testing.T) {
	set := loadSet(t)
	old := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"old"}}`)
	req, err := policy.RequestFor(old, policy.RequestOptions{Operation: admissionv1.Delete, Old: old})
	if err != nil {
		t.Fatal(err)
	}
	req.Object.Raw = nil
	res, err := Request(context.Background(), set, req)
	if err != nil {
		t.Fatal(err)
	}
	// Not patched; judged on the old object only by the rule that reads it.
	if len(res.Patches) != 0 || res.Patched != nil {
		t.Errorf("DELETE patched: %v %s", res.Patches, res.Patched)
	}
	if res.Decision.Allowed() || res.Decision.DenialMessage() != "[owner] old object seen (policy revision rev1)" {
		t.Errorf("decision = %+v", res.Decision)
	}
}

func TestObjectErrors(t *testing.T) {
	set := loadSet(t)
	res, err := Object(context.Background(), set, []byte(`{"kind":"ConfigMap"}`), policy.RequestOptions{})
	if err == nil || !strings.Contains(err.Error(), "apiVersion") {
		t.Fatalf("err = %v", err)
	}
	if res.Request != nil || res.Decision.Revision != "rev1" {
		t.Errorf("result of a request that could not be built = %+v", res)
	}
	bad := `package boom

deny contains "x" if to_number(input.request.object.data.n) > 1
`
	fsys := fstest.MapFS{"boom.rego": &fstest.MapFile{Data: []byte(bad)}}
	boom, err := policy.Load(context.Background(), fsys, policy.LoadOptions{Revision: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Object(context.Background(), boom, []byte(`{"apiVersion":"v1","kind":"ConfigMap","data":{"n":"many"}}`), policy.RequestOptions{}); err == nil {
		t.Error("a policy runtime error was not returned")
	}
}

func TestInventoryPutsObjectsInTheirNamespace(t *testing.T) {
	ingress := func(ns string) map[string]any {
		meta := map[string]any{"name": "web"}
		if ns != "" {
			meta["namespace"] = ns
		}
		return map[string]any{
			"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta,
			"spec": map[string]any{"rules": []any{map[string]any{"host": "shop.example.com"}}},
		}
	}
	unnamed := ingress("")
	doc := Inventory([]map[string]any{ingress("team-a"), unnamed}, "fallback")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"namespace":"team-a"`, `"namespace":"fallback"`, `"shop.example.com"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("inventory %s lacks %s", b, want)
		}
	}
	if _, ok := unnamed["metadata"].(map[string]any)["namespace"]; ok {
		t.Error("Inventory modified the caller's object")
	}
	// The inventory reaches policies when seeded into a set.
	set := loadSet(t)
	if err := set.SeedInventory(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	res, err := Object(context.Background(), set, []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"owner":"x"}}}`), policy.RequestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := res.Decision.UserWarnings(); len(w) != 1 || !strings.Contains(w[0], "shop.example.com") {
		t.Errorf("warnings = %q", w)
	}
}

// TestInventoryOfMergesWithBase: the offline inventory is the input's projection merged
// into the --data inventory (claims unioned per key, the input's version of an object
// replacing its cluster version), and the input's ReferenceGrants count, marked partial.
func TestInventoryOfMergesWithBase(t *testing.T) {
	base := map[string]any{"hosts": map[string]any{
		"shop.example.com": []any{map[string]any{"namespace": "team-a", "name": "shop", "kind": "Ingress"}},
		"old.example.com":  []any{map[string]any{"namespace": "team-b", "name": "web", "kind": "Ingress"}},
	}}
	objects := []map[string]any{
		{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": map[string]any{"name": "web", "namespace": "team-b"},
			"spec": map[string]any{"rules": []any{map[string]any{"host": "shop.example.com"}}}},
		{"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "ReferenceGrant", "metadata": map[string]any{"name": "g"},
			"spec": map[string]any{"from": []any{}, "to": []any{}}},
	}
	doc := InventoryOf(base, slices.Values(objects), "backend")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"gateways":{},"hosts":{"shop.example.com":[{"kind":"Ingress","name":"shop","namespace":"team-a"},{"kind":"Ingress","name":"web","namespace":"team-b"}]},` +
		`"istio":{},"listenPaths":{},"partial":{"referenceGrants":true},"referenceGrants":{"backend":[{"from":[],"name":"g","to":[]}]}}`
	if string(b) != want {
		t.Errorf("inventory\n got %s\nwant %s", b, want)
	}
	if len(base["hosts"].(map[string]any)) != 2 {
		t.Error("InventoryOf modified the base")
	}
}
