package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/pkg/policy"
)

const policies = "../../policies"

const goodIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: team
  labels: {app.kubernetes.io/owner: team-a}
spec:
  ingressClassName: nginx
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules: [{host: shop.example.com}]
`

const badIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: blog
  labels: {app.kubernetes.io/owner: team-a}
spec:
  rules: [{host: blog.example.com}]
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := execute(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckExitCodesAndOutput(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", goodIngress)
	bad := writeFile(t, dir, "bad.yaml", badIngress)
	brokenPolicies := t.TempDir()
	writeFile(t, brokenPolicies, "x.rego", "package x\n\ndeny contains msg if {\n")
	cases := map[string]struct {
		args     []string
		stdin    string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		"allowed":        {args: []string{"check", "--policy", policies, good}, wantCode: 0, wantOut: []string{"PATCH", "1 object, 0 denied, 0 warnings, 1 patched"}},
		"denied":         {args: []string{"check", "--policy", policies, bad}, wantCode: 1, wantOut: []string{"DENY", "[ingress.require_tls]", "default/blog", "1 object, 1 denied"}},
		"stdin":          {args: []string{"check", "--policy", policies, "-"}, stdin: badIngress + "---\n" + goodIngress, wantCode: 1, wantOut: []string{"2 objects, 1 denied"}},
		"namespace flag": {args: []string{"check", "--policy", policies, "-n", "prod", bad}, wantCode: 1, wantOut: []string{"prod/blog"}},
		"warn override":  {args: []string{"check", "--policy", policies, "--data", writeFile(t, dir, "warn.yaml", "apiguard:\n  config:\n    enforcement:\n      ingress.require_tls: warn\n"), bad}, wantCode: 0, wantOut: []string{"WARN", "0 denied"}},
		"fail on warn":   {args: []string{"check", "--policy", policies, "--fail-on-warn", "--data", filepath.Join(dir, "warn.yaml"), bad}, wantCode: 1},
		"broken policy":  {args: []string{"check", "--policy", brokenPolicies, good}, wantCode: 2, wantErr: []string{"x.rego:"}},
		// An input that cannot be read is a result of the report (stdout), in its place.
		"missing file": {args: []string{"check", "--policy", policies, filepath.Join(dir, "nope.yaml")}, wantCode: 2, wantOut: []string{"nope.yaml\n  ERROR  no such file or directory", "0 objects", "1 error"}},
		"bad manifest": {args: []string{"check", "--policy", policies, "-"}, stdin: "kind: Ingress\n", wantCode: 2, wantOut: []string{"ERROR  document 0 (line 1): missing apiVersion"}},
		"machine formats echo input errors on stderr": {
			args: []string{"check", "--policy", policies, "-o", "json", "-"}, stdin: "kind: Ingress\n", wantCode: 2,
			wantOut: []string{`"error": "missing apiVersion"`}, wantErr: []string{"apiguard: error: -:1: missing apiVersion"},
		},
		"unknown format":     {args: []string{"check", "--policy", policies, "-o", "xml", good}, wantCode: 2, wantErr: []string{`unknown output format "xml"`}},
		"no arguments":       {args: []string{"check"}, wantCode: 2},
		"missing policy dir": {args: []string{"check", "--policy", filepath.Join(dir, "none"), good}, wantCode: 2, wantErr: []string{"policy directory"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, tc.stdin, tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not contain %q:\n%s", w, errOut)
				}
			}
		})
	}
}

// TestCheckTextNamesTheObjectOnce: the bundled policies' messages start with the
// object ("Ingress default/blog: ..."), and the text format prints it once per line,
// List items included; the closing line counts in the singular for one.
func TestCheckTextNamesTheObjectOnce(t *testing.T) {
	stdin := badIngress + "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: web, namespace: team}\n  spec: {type: NodePort, ports: [{port: 80}]}\n"
	code, out, errOut := run(t, stdin, "check", "--policy", policies, "-")
	if code != 1 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	lines := 0
	for line := range strings.Lines(out) {
		if !strings.HasPrefix(line, "  DENY") && !strings.HasPrefix(line, "  WARN") {
			continue
		}
		lines++
		for _, name := range []string{"default/blog", "team/web"} {
			if n := strings.Count(line, name); n > 1 {
				t.Errorf("%s named %d times: %q", name, n, line)
			}
		}
	}
	if lines < 2 || !strings.Contains(out, "DENY   Service team/web (document 1, item 0): [service.no_nodeport] type NodePort") ||
		!strings.HasSuffix(out, "\n2 objects, 2 denied, 0 warnings, 0 patched\n") {
		t.Errorf("output:\n%s", out)
	}
	_, out, _ = run(t, badIngress, "check", "--policy", policies, "-")
	if !strings.HasSuffix(out, "\n1 object, 1 denied, 0 warnings, 0 patched\n") {
		t.Errorf("one object:\n%s", out)
	}
}

func TestCheckJSONShape(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "all.yaml", goodIngress+"---\n"+badIngress)
	code, out, errOut := run(t, "", "check", "--policy", policies, "-o", "json", file)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var results []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &results); err != nil || len(results) != 2 {
		t.Fatalf("output is not a 2-element array: %v\n%s", err, out)
	}
	// Keys come in the documented order.
	wantOrder := []string{"file", "index", "apiVersion", "kind", "namespace", "name", "allowed", "violations", "warnings", "patches"}
	first := out[strings.Index(out, "{"):strings.Index(out, "}")]
	last := -1
	for _, k := range wantOrder {
		i := strings.Index(first, `"`+k+`"`)
		if i < 0 || i < last {
			t.Fatalf("key %q missing or out of order in %s", k, first)
		}
		last = i
	}
	var bad struct {
		File       string `json:"file"`
		Index      int    `json:"index"`
		Allowed    bool   `json:"allowed"`
		Violations []struct {
			Policy, Message, Action string
		} `json:"violations"`
		Patches []struct {
			Policy, Op, Path string
			Value            any
		} `json:"patches"`
	}
	_ = json.Unmarshal(mustJSON(t, results[1]), &bad)
	if bad.File != file || bad.Index != 1 || bad.Allowed || len(bad.Violations) != 1 || bad.Violations[0].Policy != "ingress.require_tls" || bad.Violations[0].Action != "deny" {
		t.Errorf("denied result = %+v", bad)
	}
	var good struct {
		Allowed bool `json:"allowed"`
		Patches []struct {
			Policy string `json:"policy"`
			Op     string `json:"op"`
			Path   string `json:"path"`
			Value  any    `json:"value"`
		} `json:"patches"`
	}
	_ = json.Unmarshal(mustJSON(t, results[0]), &good)
	if !good.Allowed || len(good.Patches) != 1 || good.Patches[0].Policy != "ingress.default_ssl_redirect" || good.Patches[0].Op != "add" {
		t.Errorf("allowed result = %+v", good)
	}
}

func mustJSON(t *testing.T, m map[string]json.RawMessage) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// --old makes the request an UPDATE with that old object, which the policy sees; an old
// object with the same content (here the same file) is a bookkeeping-only UPDATE, which
// no policy judges, as at admission.
func TestCheckOldGivesUpdate(t *testing.T) {
	dir := t.TempDir()
	pol := t.TempDir()
	writeFile(t, pol, "update.rego", `package update.only

deny contains "UPDATE seen" if {
	input.request.operation == "UPDATE"
	input.request.oldObject.metadata.name == input.request.object.metadata.name
}
`)
	cur := writeFile(t, dir, "cur.yaml", goodIngress)
	old := writeFile(t, dir, "old.yaml", strings.Replace(goodIngress, "team-a", "team-b", 1))
	if code, out, _ := run(t, "", "check", "--policy", pol, cur); code != 0 {
		t.Fatalf("CREATE: exit %d\n%s", code, out)
	}
	code, out, _ := run(t, "", "check", "--policy", pol, "--old", old, cur)
	if code != 1 || !strings.Contains(out, "UPDATE seen") {
		t.Fatalf("UPDATE: exit %d\n%s", code, out)
	}
	if code, out, _ := run(t, "", "check", "--policy", pol, "--old", cur, cur); code != 0 || strings.Contains(out, "UPDATE seen") {
		t.Fatalf("bookkeeping-only UPDATE: exit %d\n%s", code, out)
	}
}

func TestUserAndGroupsReachPolicies(t *testing.T) {
	pol := t.TempDir()
	writeFile(t, pol, "who.rego", `package who

deny contains sprintf("%s in %v", [input.request.userInfo.username, input.request.userInfo.groups]) if true
`)
	code, out, _ := run(t, goodIngress, "check", "--policy", pol, "--user", "ci-bot", "--group", "deployers", "-")
	if code != 1 || !strings.Contains(out, `ci-bot in ["deployers"]`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// TestCheckAgainstGit: --policy takes a Git URL with ?ref= and ?path=, fetched the way the
// webhook fetches, so CI can check against the exact revision a cluster runs.
func TestCheckAgainstGit(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	b, err := os.ReadFile(filepath.Join(policies, "ingress", "require_tls.rego"))
	if err != nil {
		t.Fatal(err)
	}
	repo.Write("lib/ingress/require_tls.rego", string(b))
	libSrc, err := os.ReadFile(filepath.Join(policies, "lib", "kubernetes.rego"))
	if err != nil {
		t.Fatal(err)
	}
	repo.Write("lib/lib/kubernetes.rego", string(libSrc))
	strict := repo.Commit("require TLS")
	repo.Write("lib/data.yaml", "apiguard:\n  config:\n    enforcement:\n      ingress.require_tls: \"off\"\n")
	repo.Commit("turn it off")
	repo.Push()
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", badIngress)
	cases := map[string]struct {
		policy   string
		wantCode int
		wantErr  string
	}{
		"branch head (policy off)":  {policy: repo.URL() + "?path=lib", wantCode: 0},
		"pinned commit (policy on)": {policy: repo.URL() + "?path=lib&ref=" + strict, wantCode: 1},
		"unknown parameter":         {policy: repo.URL() + "?branch=main", wantCode: 2, wantErr: `unknown parameter "branch"`},
		"missing path":              {policy: repo.URL() + "?path=nope", wantCode: 2, wantErr: `policy path "nope" not found`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, "", "check", "--policy", tc.policy, bad)
			if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
		})
	}
}

// TestOfflineInventory: the inventory the CLI builds from its inputs reaches policies, so a
// host claimed in two namespaces across two files is seen offline.
func TestOfflineInventory(t *testing.T) {
	pol := t.TempDir()
	writeFile(t, pol, "dup.rego", `package dup

deny contains sprintf("%s also claimed in %s", [host, claim.namespace]) if {
	some rule in input.request.object.spec.rules
	host := rule.host
	some claim in data.apiguard.inventory.hosts[host]
	claim.namespace != input.request.object.metadata.namespace
}

warn contains "grants unknown offline" if not data.apiguard.inventory.referenceGrants
`)
	dir := t.TempDir()
	a := writeFile(t, dir, "a.yaml", strings.Replace(goodIngress, "namespace: team", "namespace: team-a", 1))
	b := writeFile(t, dir, "b.yaml", strings.Replace(goodIngress, "namespace: team", "namespace: team-b", 1))
	code, out, _ := run(t, "", "check", "--policy", pol, a, b)
	if code != 1 || !strings.Contains(out, "shop.example.com also claimed in team-b") || !strings.Contains(out, "shop.example.com also claimed in team-a") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "grants unknown offline") {
		t.Errorf("referenceGrants should be absent offline:\n%s", out)
	}
	if code, out, _ := run(t, "", "check", "--policy", pol, a); code != 0 {
		t.Errorf("a single file conflicts with itself: exit %d\n%s", code, out)
	}
}

// TestOfflineInventoryMergesData: the inventory built from the input is merged with the
// one --data supplies, per host the union of claims, not substituted for it; and a
// ReferenceGrant in the input reaches policies, marked partial.
func TestOfflineInventoryMergesData(t *testing.T) {
	pol := t.TempDir()
	writeFile(t, pol, "claims.rego", `package claims

deny contains sprintf("%s claimed by %s", [host, concat(",", sort([c.namespace | some c in data.apiguard.inventory.hosts[host]]))]) if {
	some rule in input.request.object.spec.rules
	host := rule.host
}

warn contains sprintf("grants in %s, partial %v", [ns, data.apiguard.inventory.partial.referenceGrants]) if {
	some ns, _ in data.apiguard.inventory.referenceGrants
}
`)
	dir := t.TempDir()
	data := writeFile(t, dir, "cluster.yaml", `apiguard:
  inventory:
    hosts:
      shop.example.com: [{namespace: team-a, name: shop, kind: Ingress}]
`)
	b := writeFile(t, dir, "b.yaml", strings.Replace(goodIngress, "namespace: team", "namespace: team-b", 1)+`---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: payments}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: team-b}]
  to: [{group: "", kind: Service}]
`)
	_, out, _ := run(t, "", "check", "--policy", pol, "--data", data, b)
	if !strings.Contains(out, "shop.example.com claimed by team-a,team-b") {
		t.Errorf("the --data claim and the input's were not both kept:\n%s", out)
	}
	if !strings.Contains(out, "grants in payments, partial true") {
		t.Errorf("the input's ReferenceGrant did not reach policies as partial:\n%s", out)
	}
}

// TestOfflineInventoryUnionsGrantsWithData: with --data holding the cluster's
// ReferenceGrants, the input's grants are added to them, and the section is complete
// (not partial): a reference neither allows is then known to be unallowed.
func TestOfflineInventoryUnionsGrantsWithData(t *testing.T) {
	pol := t.TempDir()
	writeFile(t, pol, "grants.rego", `package grants

warn contains sprintf("grants in %s: %s, partial %v", [ns, concat(",", sort([g.name | some g in grants])), object.get(data.apiguard.inventory, ["partial", "referenceGrants"], false)]) if {
	some ns, grants in data.apiguard.inventory.referenceGrants
}
`)
	dir := t.TempDir()
	data := writeFile(t, dir, "cluster.yaml", `apiguard:
  inventory:
    referenceGrants:
      payments: [{name: cluster-grant, from: [], to: []}]
`)
	in := writeFile(t, dir, "grant.yaml", `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: input-grant, namespace: payments}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: team-b}]
  to: [{group: "", kind: Service}]
`)
	_, out, errOut := run(t, "", "check", "--policy", pol, "--data", data, in)
	if !strings.Contains(out, "grants in payments: cluster-grant,input-grant, partial false") {
		t.Errorf("the --data grants and the input's were not unioned as complete:\n%s\nstderr:\n%s", out, errOut)
	}
}

func TestCheckPresentsTheFirstGitOpsIdentityByDefault(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", goodIngress)
	cases := map[string]struct {
		config   string
		args     []string
		wantCode int
		wantOut  string
	}{
		"defaults entry is Flux's kustomize-controller": {
			config: "identities: [defaults]", wantCode: 0, wantOut: "0 denied",
		},
		"an exact username": {
			config: "identities: [\"system:serviceaccount:argocd:argocd-application-controller\"]", wantCode: 0, wantOut: "0 denied",
		},
		"globs are skipped for the first identity group": {
			config: "identities: [\"system:serviceaccount:flux-system:*\"]\n      identityGroups: [gitops-bots]", wantCode: 0, wantOut: "0 denied",
		},
		"--user overrides the default": {
			config: "identities: [defaults]", args: []string{"--user", "bob"}, wantCode: 1, wantOut: "[gitops.reviewed_change]",
		},
		"--group alone is a person without a username": {
			config: "identities: [defaults]", args: []string{"--group", "devs"}, wantCode: 0, wantOut: "0 denied",
		},
		"--user and --group together are judged": {
			config: "identities: [defaults]\n      identityGroups: [gitops-bots]", args: []string{"--user", "bob", "--group", "gitops-bots"}, wantCode: 0, wantOut: "0 denied",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			data := writeFile(t, t.TempDir(), "gitops.yaml", "apiguard:\n  config:\n    gitops:\n      "+tc.config+"\n")
			args := append([]string{"check", "--policy", policies, "--data", data}, tc.args...)
			code, out, errOut := run(t, "", append(args, good)...)
			if code != tc.wantCode || !strings.Contains(out, tc.wantOut) {
				t.Fatalf("exit %d (want %d), output:\n%s\nstderr: %s\nwant output containing %q", code, tc.wantCode, out, errOut, tc.wantOut)
			}
		})
	}
}

func TestCheckKeepsInputOrderAcrossParallelWorkers(t *testing.T) {
	var stdin strings.Builder
	const n = 300
	for i := range n {
		doc := goodIngress
		if i%3 == 0 {
			doc = badIngress
		}
		doc = strings.Replace(doc, "name: shop", "name: shop-"+strconv.Itoa(i), 1)
		doc = strings.Replace(doc, "name: blog", "name: blog-"+strconv.Itoa(i), 1)
		doc = strings.ReplaceAll(doc, "shop.example.com", "shop-"+strconv.Itoa(i)+".example.com")
		doc = strings.ReplaceAll(doc, "blog.example.com", "blog-"+strconv.Itoa(i)+".example.com")
		stdin.WriteString("---\n" + doc)
	}
	code, out, errOut := run(t, stdin.String(), "check", "--policy", policies, "-o", "json", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", code, errOut)
	}
	var results []struct {
		Index   int    `json:"index"`
		Name    string `json:"name"`
		Allowed bool   `json:"allowed"`
	}
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != n {
		t.Fatalf("got %d results, want %d", len(results), n)
	}
	for i, r := range results {
		wantName, wantAllowed := "shop-"+strconv.Itoa(i), true
		if i%3 == 0 {
			wantName, wantAllowed = "blog-"+strconv.Itoa(i), false
		}
		if r.Index != i || r.Name != wantName || r.Allowed != wantAllowed {
			t.Fatalf("result %d = %+v, want index %d name %s allowed %v", i, r, i, wantName, wantAllowed)
		}
	}
}

func TestVersionNamesTheEngine(t *testing.T) {
	code, out, _ := run(t, "", "version")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"apiguard ", "opa " + policy.EngineVersion() + "\n", "capabilities " + policy.CapabilitiesHash() + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output %q lacks %q", out, want)
		}
	}
}

// TestCheckBadInput gives each kind of bad input the issue lists and asserts its defined
// behaviour: a clear error with a location and exit 2, or a warning and carrying on.
func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", goodIngress)
	invalid := writeFile(t, dir, "invalid.yaml", goodIngress+"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   bad: indent\n")
	binary := writeFile(t, dir, "chart.tgz.yaml", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")
	empty := writeFile(t, dir, "empty.yaml", "---\n# nothing here\n---\n")
	unknown := writeFile(t, dir, "widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n")
	unreachable := "http://127.0.0.1:" + strconv.Itoa(closedPort(t)) + "/policies.git"
	cases := map[string]struct {
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		"invalid YAML names file, document and line; the file's other objects are judged": {
			args: []string{invalid}, wantCode: 2,
			wantOut: []string{invalid + "\n  PATCH  Ingress team/shop", "  ERROR  document 1 (line 12): yaml: line 16: mapping values are not allowed", "1 object, 0 denied, 0 warnings, 1 patched, 1 error"},
		},
		"binary file is skipped with a warning": {
			args: []string{binary, good}, wantCode: 0,
			wantOut: []string{"1 object, 0 denied"},
			wantErr: []string{"apiguard: warning: " + binary + ": skipped: binary file"},
		},
		"empty documents are no objects": {
			args: []string{empty}, wantCode: 0, wantOut: []string{"0 objects, 0 denied, 0 warnings, 0 patched"},
		},
		"unknown kind is allowed: no policy matches it": {
			args: []string{unknown}, wantCode: 0, wantOut: []string{"PASS", "Widget default/w", "1 object, 0 denied"},
		},
		"unreachable Git URL": {
			args: []string{"--policy", unreachable, good}, wantCode: 2,
			wantErr: []string{"127.0.0.1", "connection refused"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			args := []string{"check"}
			if !slices.Contains(tc.args, "--policy") {
				args = append(args, "--policy", policies)
			}
			code, out, errOut := run(t, "", append(args, tc.args...)...)
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

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
