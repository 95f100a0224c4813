package yamledit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/unifieddiff"
	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// trickyStrings are strings a YAML 1.1 or 1.2 reader could take for
// something else.
var trickyStrings = []string{
	"", " ", "a", "true", "True", "TRUE", "false", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
	"y", "Y", "n", "N", "null", "Null", "NULL", "~", "1", "771", "0777", "0o17", "0x1F", "0b101", "1_000", "1e3", "1E3", "-1", "+1",
	".5", "1.", ".inf", "-.inf", ".nan", "1:20", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "=", "<<", "-", "--", "---", "...",
	"a: b", "a:b", "a #b", "#a", "a#b", "&a", "*a", "!a", "%a", "@a", "`a", "|", ">", "'", "\"", "[a]", "{a}", "a,b", "? a", ": a",
	"a\nb", "a\n", "\n", "\t", "a\tb", "\r\n", "é", "日本", "\u0085", "\u2028", "\u00a0", "\ufeff", "\x00", "\x7f", "\\", "\\n",
	"kube-system", "nginx.ingress.kubernetes.io/force-ssl-redirect", "RuntimeDefault", "/path/to", "a_b.c-d", "_a", "A1",
	"trailing ", " leading", "a  b", "\xff",
}

// TestScalarsRoundTrip checks rendered strings against kubectl's decoder
// (YAML 1.1) and the parser the editor uses (YAML 1.2), as values and
// keys, in block and flow context.
func TestScalarsRoundTrip(t *testing.T) {
	for _, s := range trickyStrings {
		want := strings.ToValidUTF8(s, "\uFFFD")
		for _, doc := range []string{
			str(s) + ": " + str(s) + "\n",
			"{" + str(s) + ": " + str(s) + "}\n",
			"k: [" + str(s) + "]\n",
		} {
			js, err := sigsyaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Errorf("%q as %q: %v", s, doc, err)
				continue
			}
			var got map[string]any
			if err := json.Unmarshal(js, &got); err != nil {
				t.Fatal(err)
			}
			var v3 map[string]any
			if err := yaml.Unmarshal([]byte(doc), &v3); err != nil {
				t.Errorf("%q as %q: yaml.v3: %v", s, doc, err)
				continue
			}
			for name, m := range map[string]map[string]any{"sigs.k8s.io/yaml": got, "yaml.v3": v3} {
				if strings.HasPrefix(doc, "k: ") {
					if l, _ := m["k"].([]any); len(l) != 1 || l[0] != want {
						t.Errorf("%s reads %q as %#v", name, doc, m["k"])
					}
					continue
				}
				if v, ok := m[want]; !ok || v != want {
					t.Errorf("%s reads %q as %#v", name, doc, m)
				}
			}
		}
	}
}

func TestScalarNumbers(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{json.Number("771"), "771"},
		{json.Number("-0"), "-0"},
		{json.Number("1.50"), "1.50"},
		{json.Number("12345678901234567890"), "12345678901234567890"},
		{0.5, "0.5"},
		{1e21, "1e+21"},
		{float64(3), "3"},
		{7, "7"},
		{true, "true"},
		{nil, "null"},
	} {
		got, err := scalar(tc.v)
		if err != nil || got != tc.want {
			t.Errorf("scalar(%#v) = %q, %v; want %q", tc.v, got, err, tc.want)
		}
		js, err := sigsyaml.YAMLToJSON([]byte("v: " + got))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(map[string]any{"v": tc.v})
		if !jsonEqual(js, want) {
			t.Errorf("%v reads back as %s", tc.v, js)
		}
	}
	for _, bad := range []any{json.Number("01"), json.Number("1e"), json.Number("0x10"), json.Number("1e999")} {
		if got, err := scalar(bad); err == nil {
			t.Errorf("scalar(%v) = %q, want an error", bad, got)
		}
	}
}

func TestLayoutRendering(t *testing.T) {
	v := map[string]any{
		"b": []any{map[string]any{"x": "1", "y": []any{}}, []any{"n1", "n2"}, "s"},
		"a": map[string]any{"c": map[string]any{}},
	}
	for _, tc := range []struct {
		lay  layout
		want string
	}{
		{layout{step: 2, seq: 0}, "k:\n  a:\n    c: {}\n  b:\n  - x: \"1\"\n    \"y\": []\n  - - n1\n    - n2\n  - s\n"},
		{layout{step: 4, seq: 2}, "k:\n    a:\n        c: {}\n    b:\n      - x: \"1\"\n        \"y\": []\n      - - n1\n        - n2\n      - s\n"},
	} {
		var b strings.Builder
		if err := tc.lay.entry(&b, "k", v, 0); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("layout %+v:\n%s\nwant:\n%s", tc.lay, b.String(), tc.want)
		}
		js, err := sigsyaml.YAMLToJSON([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(map[string]any{"k": v})
		if !jsonEqual(js, want) {
			t.Errorf("layout %+v reads back as %s", tc.lay, js)
		}
	}
}

func ExampleApplyPatches() {
	src := []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web # public site
spec:
  rules: []
`)
	out, err := ApplyPatches(src, []DocumentEdit{{Index: 0, Item: -1, Ops: []Op{
		{Op: "add", Path: "/metadata/annotations", Value: map[string]any{"nginx.ingress.kubernetes.io/force-ssl-redirect": "true"}},
	}}})
	if err != nil {
		panic(err)
	}
	fmt.Print(unifieddiff.Diff("a/ingress.yaml", "b/ingress.yaml", src, out))
	// Output:
	// --- a/ingress.yaml
	// +++ b/ingress.yaml
	// @@ -2,5 +2,7 @@
	//  kind: Ingress
	//  metadata:
	//    name: web # public site
	// +  annotations:
	// +    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"
	//  spec:
	//    rules: []
}
