package policy

import (
	"strings"
	"testing"
)

func TestCheckArrayIndices(t *testing.T) {
	tree := map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{}},
		"spec":     map[string]any{"ports": []any{map[string]any{"port": 80}}},
	}
	cases := map[string]string{ // pointer -> error substring, "" for allowed
		"/metadata/annotations/a~1b":   "",
		"/metadata/labels/owner":       "",
		"/spec/ports/0/name":           "",
		"/spec/ports/1":                "",
		"/spec/ports/-":                "",
		"/spec/newlist/0":              "",
		"/spec/ports/2":                "out of range",
		"/spec/ports/1/name":           "out of range",
		"/spec/ports/01":               "out of range",
		"/spec/ports/-1":               "out of range",
		"/spec/x/100000000":            "does not exist",
		"/spec/x/5/y":                  "does not exist",
		"/metadata/annotations/999/zz": "",
	}
	for pointer, want := range cases {
		err := checkArrayIndices(tree, pointer)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", pointer, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: error %v, want %q", pointer, err, want)
		}
	}
}

// A patch rule proposing a huge array index must fail the request, not allocate.
func TestMutateRefusesPaddingArrayIndex(t *testing.T) {
	set := load(t, map[string]string{"bomb.rego": `package bomb

patch contains {"op": "add", "path": "/spec/x/100000000", "value": 1}
`})
	_, err := set.Mutate(t.Context(), Input{Request: ingressRequest("CREATE", "ns", ingress("web", true))}, 0)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Mutate error = %v, want the index refused", err)
	}
}
