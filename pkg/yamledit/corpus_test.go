package yamledit

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/unifieddiff"
)

// manifestCorpus holds manifests in the shapes --fix meets: Helm output,
// kubectl output, hand-written files with their own indentation, Lists
// and JSON.
var manifestCorpus = map[string]string{
	"helm deployment": `---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    helm.sh/chart: web-1.0.0
spec:
  replicas: 1
  template:
    metadata:
      annotations: {}
    spec:
      securityContext: {}
      containers:
        - name: web
          image: "nginx:1.25"
          securityContext:
            {}
          resources: {}
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
`,
	"kubectl output": `apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","kind":"Pod"}
  name: p
  namespace: default
spec:
  containers:
  - image: nginx
    name: app
    ports:
    - containerPort: 80
      protocol: TCP
  - image: sidecar
    name: side
status: {}
`,
	"hand-written, four spaces, comments everywhere": `# a pod
apiVersion: v1 # core
kind: Pod
metadata:
    name: p   # name

    # labels below
    labels:
        app: p
spec:
    # containers
    containers:
        -   name: app   # main
            image: nginx
            args: ["--port", "80"]
        # end of containers
# end of spec
`,
	"null and empty values": `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
  labels: ~
spec:
  securityContext:
  containers:
  - name: a
    securityContext: null
`,
	"list": `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
  spec: {containers: [{name: a, image: x}]}
- apiVersion: v1
  kind: Pod
  metadata:
    name: b
  spec:
    containers:
    - name: b
      image: y
`,
	"crlf": "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: x\r\n",
	"json": `{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "p"},
  "spec": {"containers": [{"name": "a", "image": "x"}]}
}
`,
}

// opSets are the patches the bundled mutating policies propose.
var opSets = map[string][]Op{
	"annotations": {
		add("/metadata/annotations/nginx.ingress.kubernetes.io~1force-ssl-redirect", "true"),
		add("/metadata/annotations/apiguard.io~1fixed", "yes"),
	},
	"pod security": {
		add("/spec/securityContext/runAsNonRoot", true),
		add("/spec/securityContext/seccompProfile", map[string]any{"type": "RuntimeDefault"}),
		add("/spec/containers/0/securityContext/allowPrivilegeEscalation", false),
		add("/spec/containers/0/securityContext/capabilities", map[string]any{"drop": []any{"ALL"}}),
		add("/spec/automountServiceAccountToken", false),
	},
	"template security": {
		add("/spec/template/spec/securityContext/runAsNonRoot", true),
		add("/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem", true),
		add("/spec/template/metadata/annotations/a", "1"),
	},
	"labels and numbers": {
		add("/metadata/labels", map[string]any{"team": "on", "tier": "771"}),
		add("/metadata/labels/team", "off"),
		add("/spec/replicas", json.Number("2")),
	},
}

// TestCorpus applies every op set to every manifest object and checks the
// correctness property, idempotence and that only added lines appear in
// the diff.
func TestCorpus(t *testing.T) {
	for name, src := range manifestCorpus {
		docs := decodeStream(t, name, []byte(src))
		for opsName, ops := range opSets {
			for index, d := range docs {
				obj, _ := d.(map[string]any)
				if obj == nil {
					continue
				}
				items := []int{-1}
				if list, ok := obj["items"].([]any); ok {
					items = items[:0]
					for i := range list {
						items = append(items, i)
					}
				}
				for _, item := range items {
					target := obj
					if item >= 0 {
						target = obj["items"].([]any)[item].(map[string]any)
					}
					if _, err := engineApply(target, ops); err != nil {
						continue // the engine would reject this pairing too
					}
					edits := []DocumentEdit{{Index: index, Item: item, Ops: ops}}
					t.Run(name+"/"+opsName, func(t *testing.T) {
						out, err := ApplyPatches([]byte(src), edits)
						if err != nil {
							t.Fatalf("document %d item %d: %v", index, item, err)
						}
						checkEquivalent(t, []byte(src), out, edits)
						again, err := ApplyPatches(out, edits)
						if err != nil || string(again) != string(out) {
							t.Fatalf("not idempotent (%v):\n%s", err, unifieddiff.Diff("a/first", "b/second", out, again))
						}
						if strings.HasPrefix(strings.TrimSpace(src), "{") {
							return // JSON is re-encoded
						}
						for _, line := range strings.Split(unifieddiff.Diff("a/x", "b/x", []byte(src), out), "\n") {
							// Only "{}", "[]", "~" and "null" lines are rewritten.
							if strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "---") &&
								!strings.ContainsAny(line, "{[~") && !strings.Contains(line, "null") && strings.TrimSpace(line[1:]) != "" &&
								!strings.HasSuffix(strings.TrimRight(line, "\r"), ":") {
								t.Errorf("unexpected removed line %q", line)
							}
						}
					})
				}
			}
		}
	}
}

func TestCorpusUnsupportedIsReported(t *testing.T) {
	src := "apiVersion: v1\nkind: Pod\nmetadata: &meta\n  name: p\nspec:\n  template:\n    metadata: *meta\n"
	_, err := ApplyPatches([]byte(src), doc(add("/metadata/labels", map[string]any{"a": "b"})))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "document 0 (line 1)") {
		t.Fatalf("got %v", err)
	}
}
