package references

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
)

func api(kind, field string, ref map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": "tyk.tyk.io/v1alpha1",
		"kind":       kind,
		"metadata":   map[string]any{"name": "httpbin", "namespace": "demo"},
		"spec":       map[string]any{field: map[string]any{"configmapRef": ref}},
	}
}

func configMap(namespace, name string, data map[string]any) map[string]any {
	meta := map[string]any{"name": name}
	if namespace != "" {
		meta["namespace"] = namespace
	}
	return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}
}

func TestConfigMapRefs(t *testing.T) {
	ref := map[string]any{"name": "oas", "keyName": "oas.json"}
	tests := map[string]struct {
		obj  map[string]any
		want []ConfigMapRef
	}{
		"oas in own namespace":  {api("TykOasApiDefinition", "tykOAS", ref), []ConfigMapRef{{"demo", "oas", "oas.json"}}},
		"streams":               {api("TykStreamsApiDefinition", "tykStreams", ref), []ConfigMapRef{{"demo", "oas", "oas.json"}}},
		"mcp":                   {api("TykMcpProxyDefinition", "tykMCP", ref), []ConfigMapRef{{"demo", "oas", "oas.json"}}},
		"other namespace":       {api("TykOasApiDefinition", "tykOAS", map[string]any{"name": "oas", "keyName": "k", "namespace": "shared"}), []ConfigMapRef{{"shared", "oas", "k"}}},
		"wrong field for kind":  {api("TykOasApiDefinition", "tykStreams", ref), nil},
		"no name":               {api("TykOasApiDefinition", "tykOAS", map[string]any{"keyName": "k"}), nil},
		"classic ApiDefinition": {api("ApiDefinition", "tykOAS", ref), nil},
		"another group": {func() map[string]any {
			o := api("TykOasApiDefinition", "tykOAS", ref)
			o["apiVersion"] = "example.com/v1"
			return o
		}(), nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ConfigMapRefs(tt.obj, "demo"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ConfigMapRefs = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestResolveOffline(t *testing.T) {
	ctx := context.Background()
	ix := NewIndex(slices.Values([]map[string]any{
		configMap("", "oas", map[string]any{"oas.json": "{}"}),
		configMap("shared", "doc", nil),
		{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s", "namespace": "demo"}},
	}), "demo")
	if ix.Len() != 2 {
		t.Fatalf("indexed %d objects, want 2", ix.Len())
	}
	tests := map[string]struct {
		ref  map[string]any
		want map[string]any
	}{
		"found in the default namespace": {
			map[string]any{"name": "oas", "keyName": "oas.json"},
			map[string]any{"demo/oas": map[string]any{"namespace": "demo", "name": "oas", "found": true, "source": SourceInput, "data": map[string]any{"oas.json": "{}"}}},
		},
		"found without data": {
			map[string]any{"name": "doc", "keyName": "x", "namespace": "shared"},
			map[string]any{"shared/doc": map[string]any{"namespace": "shared", "name": "doc", "found": true, "source": SourceInput, "data": map[string]any{}}},
		},
		"not in the input": {
			map[string]any{"name": "gone", "keyName": "x"},
			map[string]any{"demo/gone": map[string]any{"namespace": "demo", "name": "gone", "found": false, "source": SourceInput}},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Resolve(ctx, api("TykOasApiDefinition", "tykOAS", tt.ref), "demo", SourceInput, ix.Lookup)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]any{"configmaps": tt.want}; !reflect.DeepEqual(got, want) {
				t.Errorf("Resolve = %v, want %v", got, want)
			}
		})
	}
}

func TestResolveNothingAndErrors(t *testing.T) {
	ctx := context.Background()
	got, err := Resolve(ctx, configMap("demo", "x", nil), "demo", SourceCluster, nil)
	if got != nil || err != nil {
		t.Errorf("a ConfigMap refers to nothing: got %v, %v", got, err)
	}
	boom := errors.New("boom")
	_, err = Resolve(ctx, api("TykOasApiDefinition", "tykOAS", map[string]any{"name": "oas", "keyName": "k"}), "demo", SourceCluster,
		func(context.Context, string, string, string) (map[string]any, bool, error) { return nil, false, boom })
	if !errors.Is(err, boom) {
		t.Errorf("a failed lookup must fail the resolution, got %v", err)
	}
}
