package yamledit

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/unifieddiff"
)

type editCase struct {
	name  string
	src   string
	edits []DocumentEdit
	want  string
	// inserts marks cases with array inserts, which RFC 6902 repeats when
	// applied again; every other case must be idempotent.
	inserts bool
}

var editCases = []editCase{
	{
		name: "helm output: new map at the end of metadata, comments kept",
		src: `---
# Source: web/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  # the name is generated
  name: web # trailing comment
  labels:
    app: web
    # tier: frontend

spec:
  rules:
  - host: example.com
`,
		edits: doc(add("/metadata/annotations", map[string]any{"nginx.ingress.kubernetes.io/force-ssl-redirect": "true"})),
		want: `---
# Source: web/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  # the name is generated
  name: web # trailing comment
  labels:
    app: web
    # tier: frontend
  annotations:
    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"

spec:
  rules:
  - host: example.com
`,
	},
	{
		name: "key with a slash into an existing map",
		src: `metadata:
  annotations:
    a: b
  name: x
`,
		edits: doc(add("/metadata/annotations/nginx.ingress.kubernetes.io~1force-ssl-redirect", "true")),
		want: `metadata:
  annotations:
    a: b
    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"
  name: x
`,
	},
	{
		name: "whole array, indentless like its siblings",
		src: `kind: NetworkPolicy
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {}
`,
		edits: doc(add("/spec/policyTypes", []any{"Ingress", "Egress"})),
		want: `kind: NetworkPolicy
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {}
  policyTypes:
  - Ingress
  - Egress
`,
	},
	{
		name: "indented sequences and four-space indentation are copied",
		src: `spec:
    containers:
        -   name: app
            image: nginx
`,
		edits: doc(
			add("/spec/containers/0/securityContext", map[string]any{"capabilities": map[string]any{"drop": []any{"ALL"}}, "runAsNonRoot": true}),
			add("/spec/securityContext", map[string]any{"seccompProfile": map[string]any{"type": "RuntimeDefault"}}),
		),
		want: `spec:
    containers:
        -   name: app
            image: nginx
            securityContext:
                capabilities:
                    drop:
                        - ALL
                runAsNonRoot: true
    securityContext:
        seccompProfile:
            type: RuntimeDefault
`,
	},
	{
		name: "missing parents are created",
		src: `spec:
  template:
    spec:
      containers:
      - name: app
`,
		edits: doc(add("/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation", false)),
		want: `spec:
  template:
    spec:
      containers:
      - name: app
        securityContext:
          allowPrivilegeEscalation: false
`,
	},
	{
		name: "append, insert first and insert in the middle of a block sequence",
		src: `spec:
  containers:
  # the main container
  - name: a
    image: x
  # the sidecar
  - name: b
  other: 1
`,
		edits: doc(
			add("/spec/containers/-", map[string]any{"name": "c", "ports": []any{map[string]any{"containerPort": json.Number("8080")}}}),
			add("/spec/containers/0", map[string]any{"name": "init"}),
			add("/spec/containers/2", "plain"),
		),
		inserts: true,
		want: `spec:
  containers:
  # the main container
  - name: init
  - name: a
    image: x
  - plain
  # the sidecar
  - name: b
  - name: c
    ports:
    - containerPort: 8080
  other: 1
`,
	},
	{
		name: "items whose content starts on the line after the dash",
		src: `items:
-
  name: a
-
  name: b
`,
		edits:   doc(add("/items/0/x", "1"), add("/items/1", "mid")),
		inserts: true,
		want: `items:
-
  name: a
  x: "1"
- mid
-
  name: b
`,
	},
	{
		name: "null values are replaced",
		src: `metadata:
  annotations:
  labels: ~
  namespace:   # set by kustomize
  finalizers: null
spec: {}
`,
		edits: doc(
			add("/metadata/annotations/a", "b"),
			add("/metadata/labels", map[string]any{"app": "x"}),
			add("/metadata/namespace", "default"),
			add("/metadata/finalizers", []any{}),
		),
		want: `metadata:
  annotations:
    a: b
  labels:
    app: x
  namespace: default   # set by kustomize
  finalizers: []
spec: {}
`,
	},
	{
		name: "empty flow collections that are values become block collections",
		src: `spec:
  securityContext: {}   # filled in by policy
  containers:
  - name: a
    env: []
`,
		edits: doc(
			add("/spec/securityContext/runAsNonRoot", true),
			add("/spec/containers/0/env/-", map[string]any{"name": "A", "value": "1"}),
		),
		inserts: true,
		want: `spec:
  securityContext:   # filled in by policy
    runAsNonRoot: true
  containers:
  - name: a
    env:
    - name: A
      value: "1"
`,
	},
	{
		name: "helm's nindent puts {} on its own line",
		src: `spec:
  containers:
    - name: web
      securityContext:
        {}
      resources:
        []
      ports: [] # none
`,
		edits: doc(
			add("/spec/containers/0/securityContext/runAsNonRoot", true),
			add("/spec/containers/0/resources/-", "x"),
			add("/spec/containers/0/ports/0", map[string]any{"containerPort": json.Number("80")}),
		),
		inserts: true,
		want: `spec:
  containers:
    - name: web
      securityContext:
        runAsNonRoot: true
      resources:
        - x
      ports: # none
        - containerPort: 80
`,
	},
	{
		name: "non-empty flow collections are edited in flow style",
		src: `metadata: {name: x, labels: {app: web,}}
spec:
  ports: [80, 443]
  hosts: [
    "a.example.com", # first
    'b.example.com'
  ]
`,
		edits: doc(
			add("/metadata/labels/tier", "on"),
			add("/metadata/annotations", map[string]any{"a/b": "yes", "n": json.Number("1")}),
			add("/spec/ports/1", json.Number("8080")),
			add("/spec/hosts/-", "c.example.com"),
		),
		inserts: true,
		want: `metadata: {name: x, labels: {app: web, tier: "on"}, annotations: {a/b: "yes", "n": 1}}
spec:
  ports: [80, 8080, 443]
  hosts: [
    "a.example.com", # first
    'b.example.com', c.example.com
  ]
`,
	},
	{
		name: "a document that is one flow mapping",
		src: `---
{apiVersion: v1, kind: ConfigMap, "metadata": {"name": "it's"}} # one line
`,
		edits: doc(add("/metadata/labels", map[string]any{"a": "b"}), add("/data", map[string]any{})),
		want: `---
{apiVersion: v1, kind: ConfigMap, "metadata": {"name": "it's", labels: {a: b}}, data: {}} # one line
`,
	},
	{
		name:  "existing values are never changed",
		src:   "metadata:\n  annotations:\n    a: \"false\"\n  labels: {}\n",
		edits: doc(add("/metadata/annotations/a", "true"), add("/metadata/labels", map[string]any{"x": "y"}), add("/metadata", map[string]any{})),
		want:  "metadata:\n  annotations:\n    a: \"false\"\n  labels: {}\n",
	},
	{
		name: "scalars that YAML 1.1 would misread are quoted",
		src:  "data:\n  k: v\n",
		edits: doc(add("/data/x", map[string]any{
			"bool": "true", "yes": "yes", "on": "On", "one": "1", "octal": "0777", "771": "771", "float": "1e3",
			"empty": "", "null": "null", "tilde": "~", "colon": "a: b", "hash": "#x", "space": " lead",
			"multi": "line1\nline2", "quote": `say "hi"`, "dash": "-", "dot": ".5", "unicode": "héllo", "plain": "kube-system/x_y.z",
			"int": json.Number("771"), "float64": 0.5, "exp": json.Number("-1.5E+3"), "t": true, "nil": nil,
		})),
		want: `data:
  k: v
  x:
    "771": "771"
    bool: "true"
    colon: "a: b"
    dash: "-"
    dot: ".5"
    empty: ""
    exp: -1.5E+3
    float: "1e3"
    float64: 0.5
    hash: "#x"
    int: 771
    multi: "line1\nline2"
    nil: null
    "null": "null"
    octal: "0777"
    "on": "On"
    one: "1"
    plain: kube-system/x_y.z
    quote: "say \"hi\""
    space: " lead"
    t: true
    tilde: "~"
    unicode: "héllo"
    "yes": "yes"
`,
	},
	{
		name: "content after block and multi-line scalars",
		src: `data:
  script: |
    echo hi
    # not a comment

  # a comment
  folded: >-
    one
    two
  plain: first
    second
  quoted: "a
    # still the string
    b"
# end
`,
		edits: doc(add("/data/zz", "last")),
		want: `data:
  script: |
    echo hi
    # not a comment

  # a comment
  folded: >-
    one
    two
  plain: first
    second
  quoted: "a
    # still the string
    b"
  zz: last
# end
`,
	},
	{
		name:  "block scalar as the last value",
		src:   "data:\n  script: |\n    echo hi\n    # still script\n  # about data\nkind: ConfigMap\n",
		edits: doc(add("/data/b", "x")),
		want:  "data:\n  script: |\n    echo hi\n    # still script\n  b: x\n  # about data\nkind: ConfigMap\n",
	},
	{
		name: "multi-document file: only the target changes",
		src: `# leading comment
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
---
# empty document above, comment-only document here
---
apiVersion: v1
kind: Pod
metadata:
  name: p
...
--- # marker comment
apiVersion: v1
kind: Service
metadata:
  name: s
`,
		edits: []DocumentEdit{
			{Index: 3, Item: -1, Ops: []Op{add("/metadata/labels", map[string]any{"a": "b"})}},
			{Index: 4, Item: -1, Ops: []Op{add("/spec/type", "ClusterIP")}},
		},
		want: `# leading comment
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
---
# empty document above, comment-only document here
---
apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    a: b
...
--- # marker comment
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  type: ClusterIP
`,
	},
	{
		name:  "CRLF line endings",
		src:   "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p # c\r\n---\r\nkind: Service\r\n",
		edits: doc(add("/metadata/labels", map[string]any{"a": "b"}), add("/spec", map[string]any{"x": []any{"y"}})),
		want:  "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p # c\r\n  labels:\r\n    a: b\r\nspec:\r\n  x:\r\n  - \"y\"\r\n---\r\nkind: Service\r\n",
	},
	{
		name:  "no newline at the end of the file",
		src:   "kind: Pod\nmetadata:\n  name: p",
		edits: doc(add("/metadata/labels/a", "b")),
		want:  "kind: Pod\nmetadata:\n  name: p\n  labels:\n    a: b",
	},
	{
		name:  "byte order mark",
		src:   "\ufeffkind: Pod\nmetadata:\n  name: p\n",
		edits: doc(add("/metadata/namespace", "default")),
		want:  "\ufeffkind: Pod\nmetadata:\n  name: p\n  namespace: default\n",
	},
	{
		name: "List items",
		src: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
- apiVersion: v1
  kind: Pod
  metadata:
    name: b
`,
		edits: []DocumentEdit{{Index: 0, Item: 1, Ops: []Op{add("/metadata/labels", map[string]any{"x": "z"})}}},
		want: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
- apiVersion: v1
  kind: Pod
  metadata:
    name: b
    labels:
      x: z
`,
	},
	{
		name: "pretty JSON is re-encoded with its own indentation",
		src: `{
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "labels": {"z": "1", "a": "<&>"}},
    "spec": {"containers": []}
}
{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}
`,
		edits: []DocumentEdit{
			{Index: 0, Item: -1, Ops: []Op{add("/metadata/annotations", map[string]any{"a": "true"})}},
			{Index: 1, Item: -1, Ops: []Op{add("/metadata/labels/x", "y")}},
		},
		want: `{
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "p",
        "labels": {
            "z": "1",
            "a": "<&>"
        },
        "annotations": {
            "a": "true"
        }
    },
    "spec": {
        "containers": []
    }
}
{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","labels":{"x":"y"}}}
`,
	},
	{
		name: "JSON List item, other documents untouched",
		src:  "{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [{\"kind\": \"Pod\", \"apiVersion\": \"v1\"}]}\n{ \"kind\" : \"Pod\", \"apiVersion\": \"v1\" }\n",
		edits: []DocumentEdit{
			{Index: 0, Item: 0, Ops: []Op{add("/metadata/name", "a")}},
		},
		want: "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\"}}]}\n{ \"kind\" : \"Pod\", \"apiVersion\": \"v1\" }\n",
	},
	{
		name:    "arrays created on the way, like json-patch",
		src:     "spec:\n  a: 1\n",
		edits:   doc(add("/spec/tls/0/hosts/-", "x")),
		inserts: true,
		want:    "spec:\n  a: 1\n  tls:\n  - hosts:\n    - x\n",
	},
	{
		name:  "non-string keys match the way kubectl reads them",
		src:   "data:\n  on: a\n  1.0: b\n",
		edits: doc(add("/data/true", "x"), add("/data/1", "y"), add("/data/on", "z")),
		want:  "data:\n  on: a\n  1.0: b\n  \"on\": z\n",
	},
	{
		name: "anchors nobody refers to and unrelated aliases are fine",
		src: `metadata: &m
  name: x
spec:
  a: &v 1
  b: *v
`,
		edits: doc(add("/metadata/labels/a", "b"), add("/spec/c", "d")),
		want: `metadata: &m
  name: x
  labels:
    a: b
spec:
  a: &v 1
  b: *v
  c: d
`,
	},
}

func TestApplyPatches(t *testing.T) {
	for _, tc := range editCases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ApplyPatches([]byte(tc.src), tc.edits)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s\ndiff:\n%s", out, tc.want, unifieddiff.Diff("a/want", "b/got", []byte(tc.want), out))
			}
			checkEquivalent(t, []byte(tc.src), out, tc.edits)
			again, err := ApplyPatches(out, tc.edits)
			if err != nil {
				t.Fatalf("second application: %v", err)
			}
			if !tc.inserts && string(again) != string(out) {
				t.Errorf("not idempotent; second application:\n%s", unifieddiff.Diff("a/first", "b/second", out, again))
			}
		})
	}
}

func TestApplyPatchesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src   string
		edits       []DocumentEdit
		want        string
		unsupported bool
	}{
		{name: "other ops", src: "a: 1\n", edits: doc(Op{Op: "replace", Path: "/a", Value: 2}), want: `only "add"`},
		{name: "root path", src: "a: 1\n", edits: doc(add("", map[string]any{})), want: "not a JSON pointer"},
		{name: "root path of a JSON List item", src: `{"kind": "List", "items": [{}]}`, edits: []DocumentEdit{{Index: 0, Item: 0, Ops: []Op{add("", map[string]any{})}}}, want: "not a JSON pointer"},
		{name: "other ops in JSON", src: `{"a": 1}`, edits: doc(Op{Op: "remove", Path: "/a"}), want: `only "add"`},
		{name: "missing document", src: "a: 1\n---\nb: 2\n", edits: []DocumentEdit{{Index: 2, Item: -1, Ops: []Op{add("/c", 1)}}}, want: "document 2: document not found"},
		{name: "empty document", src: "a: 1\n---\n# nothing\n", edits: []DocumentEdit{{Index: 1, Item: -1, Ops: []Op{add("/c", 1)}}}, want: "document is empty"},
		{name: "below a scalar", src: "a: 1\n", edits: doc(add("/a/b", 1)), want: "not an object or array"},
		{name: "key on an array", src: "a: [{b: 1}]\n", edits: doc(add("/a/x/b", 1)), want: "not an array index"},
		{name: "index out of range", src: "a: [1]\n", edits: doc(add("/a/5", 1)), want: "out of range"},
		{name: "missing List item", src: "kind: List\nitems: []\n", edits: []DocumentEdit{{Index: 0, Item: 0, Ops: []Op{add("/a", 1)}}}, want: "no item 0"},
		{name: "not a List", src: "kind: Pod\n", edits: []DocumentEdit{{Index: 0, Item: 0, Ops: []Op{add("/a", 1)}}}, want: "not a List"},
		{name: "number out of range", src: "a: 1\n", edits: doc(add("/b", json.Number("1e400"))), want: "out of range"},
		{name: "unsupported value", src: "a: 1\n", edits: doc(add("/b", struct{}{})), want: "unsupported value type"},
		{name: "shared anchor", src: "a: &x\n  k: v\nb: *x\n", edits: doc(add("/a/n", 1)), unsupported: true},
		{name: "through an alias", src: "a: &x\n  k: v\nb: *x\n", edits: doc(add("/b/n", 1)), unsupported: true},
		{name: "merge key", src: "base: &b {k: v}\nc:\n  <<: *b\n", edits: doc(add("/c/n", 1)), unsupported: true},
		{name: "explicit key", src: "? a\n: 1\n", edits: doc(add("/b", 1)), unsupported: true},
		{name: "negative index", src: "a: [1]\n", edits: doc(add("/a/-1", 1)), unsupported: true},
		{name: "array padding", src: "a: [1]\n", edits: doc(add("/a/3/b", 1)), unsupported: true},
		{name: "broken JSON", src: "{\"a\": 1}\n{\"b\": \n", edits: []DocumentEdit{{Index: 1, Item: -1, Ops: []Op{add("/c", 1)}}}, want: "document 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ApplyPatches([]byte(tc.src), tc.edits)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if out != nil {
				t.Errorf("output %q returned with the error", out)
			}
			if tc.unsupported != errors.Is(err, ErrUnsupported) {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v: %v", !tc.unsupported, tc.unsupported, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestApplyPatchesNoEdits(t *testing.T) {
	src := []byte("a: 1 # c\n---\nb: [2]\n")
	out, err := ApplyPatches(src, nil)
	if err != nil || string(out) != string(src) {
		t.Fatalf("got %q, %v", out, err)
	}
	out[0] = 'x'
	if src[0] != 'a' {
		t.Error("output aliases the input")
	}
}
