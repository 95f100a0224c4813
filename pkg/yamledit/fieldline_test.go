package yamledit

import "testing"

func TestFieldLine(t *testing.T) {
	const src = `# Source: chart/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    kubernetes.io/ingress.class: nginx
    "a.b/c": x
spec:
  tls:
  - hosts:
    - a.example.com
    secretName: tls
  rules: [{host: b}]
---
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
- apiVersion: v1
  kind: Pod
  spec:
    containers:
    -
      name: c
`
	for _, tc := range []struct {
		index, item int
		field       string
		want        int
	}{
		{0, -1, "", 2},
		{0, -1, "/metadata/name", 5},
		{0, -1, "metadata.name", 5},
		{0, -1, "/spec/tls/0/hosts", 11},
		{0, -1, "spec.tls[0].hosts", 11},
		{0, -1, "spec.tls[0].hosts[0]", 12},
		{0, -1, "spec.tls[0].secretName", 13},
		{0, -1, "/metadata/annotations/kubernetes.io~1ingress.class", 7},
		{0, -1, "metadata.annotations.kubernetes.io/ingress.class", 7},
		{0, -1, `metadata.annotations["a.b/c"]`, 8},
		{0, -1, "metadata.annotations['a.b/c']", 8},
		{0, -1, "spec.rules[0].host", 14},
		// Missing fields point at their deepest existing ancestor.
		{0, -1, "/metadata/labels/app", 4},
		{0, -1, "spec.tls[3].hosts", 10},
		{0, -1, "spec.tls[0].hosts[0].x", 12},
		{0, -1, "/status", 2},
		{0, -1, "spec..", 9},
		{0, -1, "spec[", 1}, // a bad field gives the document's line
		// Lists: the item, then fields inside it.
		{2, 0, "", 20},
		{2, 0, "metadata.name", 23},
		{2, 1, "/spec/containers/0/name", 29},
		{2, 1, "/spec/containers/0/securityContext/runAsNonRoot", 29}, // the item, whose content starts below its dash
		{2, 5, "metadata", 19},
		// Blank and missing documents.
		{1, -1, "metadata", 16},
		{3, -1, "", 0},
	} {
		if got := FieldLine([]byte(src), tc.index, tc.item, tc.field); got != tc.want {
			t.Errorf("FieldLine(%d, %d, %q) = %d, want %d", tc.index, tc.item, tc.field, got, tc.want)
		}
	}
}

func TestFieldLineJSONAndCRLF(t *testing.T) {
	const js = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}\n{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"spec\": {\"containers\": [\n    {\"name\": \"c\"}]}\n} {\"kind\": \"X\", \"metadata\": {\"name\": \"é\", \"namespace\": \"n\"}}\n"
	for _, tc := range []struct {
		index int
		field string
		want  int
	}{
		{0, "/kind", 1},
		{1, "", 2},
		{1, "/kind", 4},
		{1, "/spec/containers/0/name", 6},
		{1, "/spec/containers/0/image", 6},
		{2, "/metadata/namespace", 7},
		{3, "", 0},
	} {
		if got := FieldLine([]byte(js), tc.index, -1, tc.field); got != tc.want {
			t.Errorf("JSON FieldLine(%d, %q) = %d, want %d", tc.index, tc.field, got, tc.want)
		}
	}
	const crlf = "\ufeff---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: \"x\u2028y\"\r\n  namespace: n\r\n"
	if got := FieldLine([]byte(crlf), 0, -1, "metadata.namespace"); got != 6 {
		t.Errorf("CRLF FieldLine = %d, want 6 (a U+2028 inside a string is not a new line to editors)", got)
	}
}
