package admission

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	crzap "sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/apiguard/apiguard/pkg/policy"
)

// A policy that denies hosts under example.com, and the patch policy, both in dryrun.
const registeredHosts = `# METADATA
# custom:
#   kinds: [Ingress]
package ingress.registered_hosts

deny contains sprintf("host %s is not registered", [rule.host]) if {
	some rule in input.request.object.spec.rules
	endswith(rule.host, ".example.com")
}
`

const dryrunConfig = `{"apiguard": {"config": {"enforcement": {"ingress.registered_hosts": "dryrun", "ingress.default_ssl_redirect": "dryrun"}}}}`

// bodyCanary sits in every object's annotations: it must reach the log only at debug.
const bodyCanary = "canary-body-9d2e51c7"

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// decisionLogHandlers builds the handlers with the logger the webhook builds from
// --log-level (controller-runtime's zap, JSON), writing to a buffer.
func decisionLogHandlers(t *testing.T, level zapcore.Level) (*Handlers, *lockedBuffer) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range map[string]string{"tls.rego": testPolicies, "hosts.rego": registeredHosts, "patch.rego": testPatch, "data.json": dryrunConfig} {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	set, err := policy.Load(context.Background(), fsys, policy.LoadOptions{Revision: "abcdef0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	holder := policy.NewHolder()
	holder.Swap(set)
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	h, err := New(Options{Policies: holder, Metrics: m, Log: crzap.New(crzap.Level(level), crzap.JSONEncoder(), crzap.WriteTo(out))})
	if err != nil {
		t.Fatal(err)
	}
	return h, out
}

func decisionLogRequest(uid string, tls, owner bool, host string) []byte {
	meta := map[string]any{"name": "web", "namespace": "team", "annotations": map[string]any{"note": bodyCanary}}
	if owner {
		meta["labels"] = map[string]any{"owner": "me"}
	}
	spec := map[string]any{"rules": []any{map[string]any{"host": host}}}
	if tls {
		spec["tls"] = []any{map[string]any{"hosts": []any{host}}}
	}
	b, _ := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": map[string]any{
		"uid":       uid,
		"kind":      map[string]any{"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"resource":  map[string]any{"group": "networking.k8s.io", "version": "v1", "resource": "ingresses"},
		"namespace": "team", "name": "web", "operation": "CREATE",
		"userInfo": map[string]any{"username": "alice"},
		"object":   map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec},
	}})
	return b
}

// decisionLines returns the decision log entries for uid.
func decisionLines(t *testing.T, log, uid string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, sc.Text())
		}
		if e["msg"] == DecisionLogMessage && e["uid"] == uid {
			out = append(out, e)
		}
	}
	return out
}

// TestDecisionLog: one line per request a policy denied, warned about or judged in
// dryrun, with who, what, which policies and which revision; none for a clean request.
// The object body, marked by a canary annotation, is absent at info and present at debug.
func TestDecisionLog(t *testing.T) {
	type want struct {
		action, webhook string
		policies        []string
		findings        []string // "policy action"
	}
	cases := map[string]struct {
		webhook   string
		tls       bool
		owner     bool
		host      string
		want      *want
		wantPatch string
	}{
		"denied": {webhook: "validate", host: "a.example.com", want: &want{action: "deny", webhook: "validate",
			policies: []string{"ingress.registered_hosts", "ingress.require_tls"},
			findings: []string{"ingress.require_tls deny", "ingress.registered_hosts dryrun", "ingress.require_tls warn"}}},
		"warned": {webhook: "validate", tls: true, host: "a.example.org", want: &want{action: "warn", webhook: "validate",
			policies: []string{"ingress.require_tls"}, findings: []string{"ingress.require_tls warn"}}},
		"dryrun": {webhook: "validate", tls: true, owner: true, host: "a.example.com", want: &want{action: "dryrun", webhook: "validate",
			policies: []string{"ingress.registered_hosts"}, findings: []string{"ingress.registered_hosts dryrun"}}},
		"clean request": {webhook: "validate", tls: true, owner: true, host: "a.example.org"},
		"dryrun patch": {webhook: "mutate", tls: true, owner: true, host: "a.example.org", want: &want{action: "dryrun", webhook: "mutate",
			policies: []string{"ingress.default_ssl_redirect"}, findings: []string{"ingress.default_ssl_redirect dryrun"}},
			wantPatch: "add /metadata/annotations/force-ssl-redirect"},
	}
	for _, level := range []zapcore.Level{zapcore.InfoLevel, zapcore.DebugLevel} {
		h, out := decisionLogHandlers(t, level)
		for name, tc := range cases {
			t.Run(level.String()+"/"+name, func(t *testing.T) {
				uid := fmt.Sprintf("uid-%s-%s", level, strings.ReplaceAll(name, " ", "-"))
				handler, path := h.Validate(), "/validate"
				if tc.webhook == "mutate" {
					handler, path = h.Mutate(), "/mutate"
				}
				res := postURL(t, handler, path, "application/json", bytes.NewReader(decisionLogRequest(uid, tc.tls, tc.owner, tc.host)))
				if res.status != 200 {
					t.Fatalf("HTTP %d: %s", res.status, res.body)
				}
				lines := decisionLines(t, out.String(), uid)
				if tc.want == nil {
					if len(lines) != 0 {
						t.Fatalf("decision logged for a clean request: %v", lines)
					}
					return
				}
				if len(lines) != 1 {
					t.Fatalf("%d decision lines, want 1: %v", len(lines), lines)
				}
				e := lines[0]
				for k, v := range map[string]string{
					"action": tc.want.action, "webhook": tc.want.webhook, "user": "alice", "operation": "CREATE",
					"group": "networking.k8s.io", "version": "v1", "kind": "Ingress", "namespace": "team", "name": "web",
					"revision": "abcdef0123456789", "level": "info",
				} {
					if e[k] != v {
						t.Errorf("%s = %v, want %q", k, e[k], v)
					}
				}
				if got := fmt.Sprint(e["policies"]); got != fmt.Sprint(tc.want.policies) {
					t.Errorf("policies = %s, want %v", got, tc.want.policies)
				}
				var got []string
				for _, f := range e["findings"].([]any) {
					f := f.(map[string]any)
					got = append(got, fmt.Sprint(f["policy"], " ", f["action"]))
					if f["patch"] != nil && f["patch"] != tc.wantPatch {
						t.Errorf("patch = %v, want %q", f["patch"], tc.wantPatch)
					}
				}
				slices.Sort(got)
				wantFindings := slices.Sorted(slices.Values(tc.want.findings))
				if fmt.Sprint(got) != fmt.Sprint(wantFindings) {
					t.Errorf("findings = %v, want %v", got, wantFindings)
				}
				line, _ := json.Marshal(e)
				hasBody := strings.Contains(string(line), bodyCanary)
				if level == zapcore.InfoLevel && hasBody {
					t.Errorf("object body logged at info: %s", line)
				}
				if level == zapcore.DebugLevel && (!hasBody || e["object"] == nil) {
					t.Errorf("object body missing at debug: %s", line)
				}
			})
		}
		if level == zapcore.InfoLevel && strings.Contains(out.String(), bodyCanary) {
			t.Errorf("object content reached the info log:\n%s", out.String())
		}
	}
}
