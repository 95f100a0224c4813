package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCheckBadFileDoesNotAbortTheRun: an unreadable file and an invalid document are
// results in every format, the other files are still judged, and the exit code is 2.
func TestCheckBadFileDoesNotAbortTheRun(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", goodIngress)
	bad := writeFile(t, dir, "bad.yaml", badIngress)
	invalid := writeFile(t, dir, "invalid.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   bad: indent\n")
	missing := filepath.Join(dir, "missing.yaml")
	args := []string{"check", "--policy", policies, good, missing, invalid, bad}
	cases := map[string]struct {
		format string
		check  func(t *testing.T, out string)
	}{
		"text": {"text", func(t *testing.T, out string) {
			for _, want := range []string{
				missing + "\n  ERROR  no such file or directory\n",
				invalid + "\n  ERROR  document 0 (line 1): yaml: line 5: mapping values are not allowed in this context\n",
				"DENY   Ingress default/blog: [ingress.require_tls]",
				"PATCH  Ingress team/shop",
				"2 objects, 1 denied, 0 warnings, 1 patched, 2 errors\n",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("lacks %q", want)
				}
			}
		}},
		"json": {"json", func(t *testing.T, out string) {
			var results []struct {
				File    string `json:"file"`
				Index   int    `json:"index"`
				Name    string `json:"name"`
				Allowed bool   `json:"allowed"`
				Error   string `json:"error"`
				Line    int    `json:"line"`
			}
			if err := json.Unmarshal([]byte(out), &results); err != nil {
				t.Fatal(err)
			}
			if len(results) != 4 {
				t.Fatalf("%d results, want 4: %+v", len(results), results)
			}
			if r := results[1]; r.File != missing || r.Index != -1 || r.Allowed || r.Error != "no such file or directory" {
				t.Errorf("missing file: %+v", r)
			}
			if r := results[2]; r.File != invalid || r.Index != 0 || r.Line != 1 || !strings.Contains(r.Error, "mapping values are not allowed") {
				t.Errorf("invalid document: %+v", r)
			}
			if results[0].Name != "shop" || !results[0].Allowed || results[3].Name != "blog" || results[3].Allowed {
				t.Errorf("the other files were not judged: %+v", results)
			}
		}},
		"sarif": {"sarif", func(t *testing.T, out string) {
			var log struct {
				Runs []struct {
					Invocations []struct {
						ExecutionSuccessful        bool `json:"executionSuccessful"`
						ToolExecutionNotifications []struct {
							Message struct{ Text string } `json:"message"`
						} `json:"toolExecutionNotifications"`
					} `json:"invocations"`
					Results []struct {
						RuleID string `json:"ruleId"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(out), &log); err != nil {
				t.Fatal(err)
			}
			inv := log.Runs[0].Invocations[0]
			if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 2 || inv.ToolExecutionNotifications[0].Message.Text != "no such file or directory" {
				t.Errorf("invocation: %+v", inv)
			}
			rules := map[string]int{}
			for _, r := range log.Runs[0].Results {
				rules[r.RuleID]++
			}
			if rules["apiguard/error"] != 2 || rules["ingress.require_tls"] != 1 {
				t.Errorf("results by rule: %v", rules)
			}
		}},
		"junit": {"junit", func(t *testing.T, out string) {
			var doc struct {
				Errors   int `xml:"errors,attr"`
				Failures int `xml:"failures,attr"`
			}
			if err := xml.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Errors != 2 || doc.Failures != 1 || !strings.Contains(out, `<error message="no such file or directory"`) {
				t.Errorf("errors=%d failures=%d\n%s", doc.Errors, doc.Failures, out)
			}
		}},
		"tap": {"tap", func(t *testing.T, out string) {
			for _, want := range []string{"not ok 2 - " + missing + ": [apiguard] no such file or directory", "not ok 3 - " + invalid + ":1 document 0: [apiguard] yaml:"} {
				if !strings.Contains(out, want) {
					t.Errorf("lacks %q", want)
				}
			}
		}},
		"github": {"github", func(t *testing.T, out string) {
			if !strings.Contains(out, "::error file="+ghProperty(missing)+",title=apiguard::no such file or directory") {
				t.Error("no annotation for the missing file")
			}
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, "", append([]string{args[0], "-o", tc.format}, args[1:]...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			tc.check(t, out)
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// ghProperty escapes a workflow-command property as GitHub's toolkit does.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// TestCheckValidatesAgainstTheSchema: what the API server would reject gets a clear
// error, not a pass, before any policy runs; valid objects are judged as before.
func TestCheckValidatesAgainstTheSchema(t *testing.T) {
	const svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: team}\n"
	widgetCRD := widgetCRDWith("{type: array, items: {type: string}}") + "---\n"
	cases := map[string]struct {
		stdin    string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		"a lowercase Service type is an error, not a pass": {
			stdin: svc + "spec: {type: loadbalancer, ports: [{port: 80}]}\n", wantCode: 2,
			wantOut: []string{`ERROR  Service team/web: the API server would reject this Service: spec.type: Unsupported value: "loadbalancer"`, "1 error"},
		},
		"a string where a list belongs": {
			stdin: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: shop, namespace: team}\nspec:\n  rules: shop.example.com\n", wantCode: 2,
			wantOut: []string{"ERROR  Ingress team/shop: the API server cannot decode this Ingress: spec.rules: got a string, want []v1.IngressRule"},
		},
		"an upper-case API group": {
			stdin: strings.Replace(badIngress, "networking.k8s.io", "Networking.k8s.io", 1), wantCode: 2,
			wantOut: []string{`API group "Networking.k8s.io" is not a lowercase DNS subdomain`},
		},
		"a lowercase policyType": {
			stdin: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: team}\nspec: {podSelector: {}, policyTypes: [ingress]}\n", wantCode: 2,
			wantOut: []string{`spec.policyTypes[0]: Unsupported value: "ingress"`},
		},
		"an unknown field is an error by default, as kubectl apply's --validate=strict": {
			stdin: svc + "spec: {Type: LoadBalancer, ports: [{port: 80}]}\n", wantCode: 2,
			wantOut: []string{`unknown field "spec.Type"`},
		},
		"--validate=warn judges the object and warns about the field": {
			stdin: svc + "spec: {Type: LoadBalancer, ports: [{port: 80}]}\n", args: []string{"--validate", "warn"}, wantCode: 0,
			wantOut: []string{"PASS   Service team/web"},
			wantErr: []string{`apiguard: warning: -: document 0 (line 1): Service web: unknown field "spec.Type"`},
		},
		"a custom resource against the CRD in the input": {
			stdin: widgetCRD + "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hosts: a.example.com}\n", wantCode: 2,
			wantOut: []string{"PASS   CustomResourceDefinition widgets.example.com", `ERROR  Widget default/w: the API server would reject this Widget (schema of CustomResourceDefinition widgets.example.com): spec.hosts: Invalid value: "a.example.com": must be of type array`},
		},
		"a valid custom resource is judged": {
			stdin: widgetCRD + "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hosts: [a.example.com]}\n", wantCode: 0,
			wantOut: []string{"PASS   Widget default/w"},
		},
		"a kind without a known schema is judged as before": {
			stdin: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hosts: a.example.com}\n", wantCode: 0,
			wantOut: []string{"PASS   Widget default/w"},
		},
		"a bad --validate is a usage error": {
			stdin: goodIngress, args: []string{"--validate", "loose"}, wantCode: 2,
			wantErr: []string{`--validate: unknown validation "loose"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			args := append(append([]string{"check", "--policy", policies}, tc.args...), "-")
			code, out, errOut := run(t, tc.stdin, args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// widgetCRDWith is a CRD for example.com/v1 Widget whose spec.hosts has the given schema.
func widgetCRDWith(hostsType string) string {
	return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              hosts: ` + hostsType + "\n"
}

// TestCheckValidatesAgainstCRDFlag: --crd gives the cluster's CRDs, so custom resources
// get the schema check built-in kinds get, without the CRDs being judged; a CRD in the
// input wins over one of the same kind given by --crd.
func TestCheckValidatesAgainstCRDFlag(t *testing.T) {
	crd := widgetCRDWith
	dir := t.TempDir()
	crds := filepath.Join(dir, "crds")
	if err := os.Mkdir(crds, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, crds, "widgets.yaml", crd("{type: array, items: {type: string}}")+"---\napiVersion: v1\nkind: Service\nmetadata: {name: not-a-crd}\nspec: {type: nodeport}\n")
	broken := writeFile(t, dir, "broken.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nspec: {versions: 3}\n")
	const stringHosts = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hosts: a.example.com}\n"
	const arrayHosts = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hosts: [a.example.com]}\n"
	cases := map[string]struct {
		stdin    string
		crd      []string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		"an invalid custom resource is an error": {
			stdin: stringHosts, crd: []string{crds}, wantCode: 2,
			wantOut: []string{`ERROR  Widget default/w: the API server would reject this Widget (schema of CustomResourceDefinition widgets.example.com): spec.hosts: Invalid value: "a.example.com": must be of type array`, "1 object, 0 denied, 0 warnings, 0 patched, 1 error"},
		},
		"a valid custom resource is judged, the CRD and the other documents there are not": {
			stdin: arrayHosts, crd: []string{crds}, wantCode: 0,
			wantOut: []string{"PASS   Widget default/w", "1 object,"},
		},
		"without --crd it is judged unvalidated": {
			stdin: stringHosts, wantCode: 0, wantOut: []string{"PASS   Widget default/w"},
		},
		"the input's CRD wins": {
			stdin: crd("{type: string}") + "---\n" + stringHosts, crd: []string{crds}, wantCode: 0,
			wantOut: []string{"PASS   Widget default/w", "PASS   CustomResourceDefinition widgets.example.com"},
		},
		"a missing --crd path is an error for the run": {
			stdin: arrayHosts, crd: []string{filepath.Join(dir, "none")}, wantCode: 2, wantErr: "--crd: ",
		},
		"a --crd CRD that cannot be read is an error for the run": {
			stdin: arrayHosts, crd: []string{broken}, wantCode: 2, wantErr: "--crd " + broken + ": document 0 (line 1): ",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			args := []string{"check", "--policy", policies}
			for _, c := range tc.crd {
				args = append(args, "--crd", c)
			}
			code, out, errOut := run(t, tc.stdin, append(args, "-")...)
			if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestCheckExpandsListsAsKubectl: kubectl applies the items of any document whose
// items is an array, so they are judged, not the wrapper.
func TestCheckExpandsListsAsKubectl(t *testing.T) {
	item := "- " + strings.ReplaceAll(strings.TrimSuffix(badIngress, "\n"), "\n", "\n  ") + "\n"
	cases := map[string]string{
		"kind: List":               "apiVersion: v1\nkind: List\nitems:\n" + item,
		"kind: IngressList":        "apiVersion: networking.k8s.io/v1\nkind: IngressList\nitems:\n" + item,
		"kind: Ingress with items": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: wrapper}\nitems:\n" + item,
		"a List inside a List":     "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  " + strings.ReplaceAll(item, "\n  ", "\n    "),
		// An API server leaves apiVersion and kind out of a typed list's items (kubectl
		// get --raw); kubectl gives them the List's (unstructured decodeToList).
		"kind: IngressList with bare items": "apiVersion: networking.k8s.io/v1\nkind: IngressList\nitems:\n" + bareItem,
		"kind: Ingress with bare items":     "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: wrapper}\nitems:\n" + bareItem,
	}
	for name, stdin := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, stdin, "check", "--policy", policies, "-")
			if code != 1 || !strings.Contains(out, "DENY   Ingress default/blog (document 0, item ") || strings.Contains(out, "wrapper") {
				t.Fatalf("exit %d, want 1 with the item denied\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
		})
	}
}

// bareItem is badIngress as a List item without apiVersion and kind.
var bareItem = "- " + strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(badIngress, "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"), "\n"), "\n", "\n  ") + "\n"

// TestCheckListItemsKubectlCannotType: what kubectl refuses to apply is an error for the
// item, never a pass: a kind: List item without a kind (kubectl: "Object 'Kind' is
// missing"), and an item that has a kind but no apiVersion, which kubectl does not fill
// in from the List. A ServiceList's bare NodePort item is judged as a v1 Service.
func TestCheckListItemsKubectlCannotType(t *testing.T) {
	cases := map[string]struct {
		stdin    string
		wantCode int
		wantOut  string
	}{
		"kind: List with a bare item": {
			stdin: "apiVersion: v1\nkind: List\nitems:\n" + bareItem, wantCode: 2,
			wantOut: "ERROR  document 0, item 0 (line 1): missing apiVersion and kind",
		},
		"an item with a kind and no apiVersion": {
			stdin: "apiVersion: networking.k8s.io/v1\nkind: IngressList\nitems:\n- kind: Ingress\n  metadata: {name: blog}\n", wantCode: 2,
			wantOut: "ERROR  document 0, item 0 (line 1): missing apiVersion",
		},
		"kind: ServiceList with a bare NodePort Service": {
			stdin: "apiVersion: v1\nkind: ServiceList\nitems:\n- metadata: {name: web, namespace: team}\n  spec: {type: NodePort, ports: [{port: 80}]}\n", wantCode: 1,
			wantOut: "DENY   Service team/web (document 0, item 0): [service.no_nodeport]",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, tc.stdin, "check", "--policy", policies, "-")
			if code != tc.wantCode || !strings.Contains(out, tc.wantOut) {
				t.Fatalf("exit %d (want %d), stdout lacks %q:\n%s\nstderr:\n%s", code, tc.wantCode, tc.wantOut, out, errOut)
			}
		})
	}
}

// TestCheckHiddenDirectories: hidden directories are skipped with a note on stderr, or
// read with --include-hidden.
func TestCheckHiddenDirectories(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "good.yaml", goodIngress)
	hidden := filepath.Join(dir, ".github")
	if err := os.Mkdir(hidden, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, hidden, "bad.yaml", badIngress)
	code, out, errOut := run(t, "", "check", "--policy", policies, dir)
	if code != 0 || !strings.Contains(out, "1 object,") || !strings.Contains(errOut, "apiguard: note: "+dir+": skipped hidden .github/ (use --include-hidden to check them)") {
		t.Errorf("default: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, "", "check", "--policy", policies, "--include-hidden", dir)
	if code != 1 || !strings.Contains(out, "DENY   Ingress default/blog") || strings.Contains(errOut, "note") {
		t.Errorf("--include-hidden: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// TestCheckHiddenFiles: hidden files are skipped like hidden directories, at any depth,
// and one note names them all; a hidden file named on the command line is read.
func TestCheckHiddenFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "good.yaml", goodIngress)
	hiddenFile := writeFile(t, dir, ".bad.yaml", badIngress)
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, sub, ".also-bad.yaml", strings.Replace(badIngress, "name: blog", "name: blog-2", 1))
	code, out, errOut := run(t, "", "check", "--policy", policies, dir)
	if code != 0 || !strings.Contains(out, "1 object,") || !strings.Contains(errOut, "apiguard: note: "+dir+": skipped hidden .bad.yaml, sub/.also-bad.yaml (use --include-hidden to check them)") {
		t.Errorf("default: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, "", "check", "--policy", policies, "--include-hidden", dir)
	if code != 1 || !strings.Contains(out, "DENY   Ingress default/blog:") || !strings.Contains(out, "DENY   Ingress default/blog-2:") || !strings.Contains(out, "3 objects,") {
		t.Errorf("--include-hidden: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, "", "check", "--policy", policies, hiddenFile)
	if code != 1 || !strings.Contains(out, "DENY   Ingress default/blog:") || strings.Contains(errOut, "note") {
		t.Errorf("named on the command line: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// slowPolicy really computes for a long time (4·10^8 iterations over two small
// ranges, no memory to speak of) for objects named "slow", and denies others quickly.
const slowPolicy = `package slow

deny contains "never" if {
	input.request.object.metadata.name == "slow"
	some i in numbers.range(1, 20000)
	some j in numbers.range(1, 20000)
	i * j == -1
}

deny contains "fast deny" if input.request.object.metadata.name == "fast"
`

// TestCheckTimeoutPerObject: an evaluation over --timeout is an error for that object
// (exit 2), and the run goes on with the others.
func TestCheckTimeoutPerObject(t *testing.T) {
	pol := t.TempDir()
	writeFile(t, pol, "slow.rego", slowPolicy)
	stdin := strings.Replace(goodIngress, "name: shop", "name: slow", 1) + "---\n" + strings.Replace(goodIngress, "name: shop", "name: fast", 1)
	start := time.Now()
	code, out, errOut := run(t, stdin, "check", "--policy", pol, "--timeout", "500ms", "-o", "json", "-")
	elapsed := time.Since(start)
	if code != 2 {
		t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var results []struct {
		Name       string `json:"name"`
		Error      string `json:"error"`
		Violations []struct {
			Message string `json:"message"`
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || !strings.Contains(results[0].Error, "evaluation took longer than --timeout 500ms") {
		t.Errorf("slow object: %+v", results)
	}
	if len(results) == 2 && (results[1].Error != "" || len(results[1].Violations) != 1 || results[1].Violations[0].Message != "fast deny") {
		t.Errorf("the run did not go on: %+v", results[1])
	}
	// The deadline cancels the evaluation: it does not run to its end.
	if elapsed > 20*time.Second {
		t.Errorf("took %s with a 500ms timeout", elapsed)
	}
}

// TestCheckRejectedObjectsClaimNothing: an object the API server would reject is never
// stored, so it claims no host in the offline inventory: another namespace's valid
// Ingress for the same host is not denied because of it.
func TestCheckRejectedObjectsClaimNothing(t *testing.T) {
	dir := t.TempDir()
	valid := strings.Replace(goodIngress, "namespace: team", "namespace: team-b", 1)
	rejected := strings.Replace(strings.Replace(goodIngress, "namespace: team", "namespace: team-a", 1),
		"rules: [{host: shop.example.com}]", "rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: prefix, backend: {service: {name: s, port: {number: 80}}}}]}}]", 1)
	a := writeFile(t, dir, "a.yaml", rejected)
	b := writeFile(t, dir, "b.yaml", valid)
	code, out, errOut := run(t, "", "check", "--policy", policies, a, b)
	if code != 2 || !strings.Contains(out, `ERROR  Ingress team-a/shop: the API server would reject this Ingress: spec.rules[0].http.paths[0].pathType: Unsupported value: "prefix"`) ||
		strings.Contains(out, "unique_host") || strings.Contains(out, "DENY") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
