package policy

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestIndependentAddsMatchOneByOne checks that adds applied in one patch give exactly
// what applying them one at a time gives: the same object, applied and skipped lists.
func TestIndependentAddsMatchOneByOne(t *testing.T) {
	add := func(policy, path string, value any) PatchOp {
		return PatchOp{Policy: policy, Op: "add", Path: path, Value: value}
	}
	cases := []struct {
		name        string
		doc         string
		ops         []PatchOp
		independent bool
	}{
		{"annotations created", `{"metadata":{"name":"a"}}`, []PatchOp{
			add("p1", "/metadata/annotations/a", "1"), add("p2", "/metadata/annotations/b", "2"), add("p3", "/spec/x", true)}, true},
		{"one already set", `{"metadata":{"annotations":{"b":"user"}}}`, []PatchOp{
			add("p1", "/metadata/annotations/a", "1"), add("p2", "/metadata/annotations/b", "2")}, true},
		{"null counts as unset", `{"metadata":{"annotations":{"a":null}}}`, []PatchOp{
			add("p1", "/metadata/annotations/a", "1"), add("p2", "/metadata/labels/c", "3")}, true},
		{"escaped keys", `{"metadata":{}}`, []PatchOp{
			add("p1", "/metadata/annotations/x~1y", "1"), add("p2", "/metadata/annotations/x~0y", "2")}, true},
		{"a path inside another", `{"metadata":{}}`, []PatchOp{
			add("p1", "/metadata/annotations", map[string]any{"a": "1"}), add("p2", "/metadata/annotations/a", "2")}, false},
		{"array inserts", `{"spec":{"l":[1]}}`, []PatchOp{
			add("p1", "/spec/l/0", 0), add("p2", "/spec/l/-", 2)}, false},
		{"the same path twice", `{}`, []PatchOp{add("p1", "/a", 1), add("p2", "/a", 2)}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := independentAdds(c.ops); got != c.independent {
				t.Fatalf("independentAdds = %v, want %v", got, c.independent)
			}
			wantDoc, wantApplied, wantSkipped, err := applyAddsOneByOne([]byte(c.doc), c.ops)
			if err != nil {
				t.Fatal(err)
			}
			gotDoc, gotApplied, gotSkipped, err := applyAdds([]byte(c.doc), c.ops)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			if err := json.Unmarshal(wantDoc, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(gotDoc, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotApplied, wantApplied) || !reflect.DeepEqual(gotSkipped, wantSkipped) {
				t.Fatalf("applyAdds = %s %v %v, one by one %s %v %v", gotDoc, gotApplied, gotSkipped, wantDoc, wantApplied, wantSkipped)
			}
		})
	}
}
