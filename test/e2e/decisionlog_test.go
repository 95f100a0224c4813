package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/admission"
)

// logCapture keeps everything a webhook process writes, stdout and stderr, for tests
// that read the whole log rather than its tail.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *logCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *logCapture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// jsonLines decodes the process's JSON log lines (after the harness's "[name] " prefix).
func (c *logCapture) jsonLines() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(c.String()))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.IndexByte(line, '{')
		if i < 0 {
			continue
		}
		var e map[string]any
		if json.Unmarshal([]byte(line[i:]), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// activeRevision reads /status.
func activeRevision(t *testing.T, wh *kubetest.Webhook) string {
	t.Helper()
	resp, err := http.Get(wh.HealthURL + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct{ Revision string }
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Revision == "" {
		t.Fatalf("status: %+v %v", st, err)
	}
	return st.Revision
}

var decisionLogPolicies = map[string]string{
	"e2e/owner.rego": `# METADATA
# custom:
#   kinds: [Ingress]
package e2e.require_owner

deny contains sprintf("Ingress %s has no owner label", [input.request.object.metadata.name]) if {
	not input.request.object.metadata.labels.owner
}
`,
	"e2e/hosts.rego": `# METADATA
# custom:
#   kinds: [Ingress]
package e2e.audit_hosts

deny contains sprintf("host %s is not registered", [rule.host]) if {
	some rule in input.request.object.spec.rules
	endswith(rule.host, ".example.com")
}
`,
	"data.json": `{"apiguard": {"config": {"enforcement": {"e2e.audit_hosts": "dryrun"}}}}`,
}

// TestDecisionLogThroughTheAPIServer: the webhook binary writes one decision line per
// denied and per dryrun request the API server sends, naming the user, the object, the
// policies and the revision; the object body (marked by a unique annotation) is in the
// log only with --log-level=debug.
func TestDecisionLogThroughTheAPIServer(t *testing.T) {
	ctx := context.Background()
	policyDir := t.TempDir()
	for name, src := range decisionLogPolicies {
		p := filepath.Join(policyDir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, level := range []string{"info", "debug"} {
		t.Run(level, func(t *testing.T) {
			logs := &logCapture{}
			wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
				Binary: testEnv.webhookBin, PolicyDir: policyDir, Output: logs,
				Args: []string{"--inventory", "off", "--log-level", level},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Stop()
			guard := "decisionlog-" + level
			unregister, err := kubetest.Register(ctx, testEnv.cs, kubetest.Registration{
				Name: "apiguard-" + guard, URL: wh.URL, CABundle: wh.CABundle, FailurePolicy: admissionregistrationv1.Fail,
				ValidateRules:     kubetest.ExposureRules(admissionregistrationv1.Create),
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{mainLabel: guard}},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer unregister(ctx)
			ns := namespace(t, guard)
			ingresses := clientAs(t, "carol@example.com", nil, nil).NetworkingV1().Ingresses(ns)
			canary := fmt.Sprintf("canary-object-%s-%d", level, time.Now().UnixNano())
			object := func(name, host string, owned bool) *networkingv1.Ingress {
				ing := ingress(ns, name, []string{host}, []string{host})
				ing.Annotations = map[string]string{"e2e.apiguard.io/note": canary}
				if !owned {
					delete(ing.Labels, "owner")
				} else {
					ing.Labels["owner"] = "team-e2e"
				}
				return ing
			}
			eventually(t, 30*time.Second, func() error {
				_, err := ingresses.Create(ctx, object("probe", "probe-"+level+".decisionlog.example.org", false), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
				if err == nil || !strings.Contains(err.Error(), "[e2e.require_owner]") {
					return fmt.Errorf("webhook not active yet: %v", err)
				}
				return nil
			})
			// Created objects join every webhook's inventory: their hosts are this
			// test's own, and they are deleted when it ends.
			t.Cleanup(func() {
				for _, name := range []string{"unregistered", "clean"} {
					_ = testEnv.cs.NetworkingV1().Ingresses(ns).Delete(ctx, name, metav1.DeleteOptions{})
				}
			})
			if _, err := ingresses.Create(ctx, object("unowned", "unowned-"+level+".decisionlog.example.org", false), metav1.CreateOptions{}); err == nil || !strings.Contains(err.Error(), "[e2e.require_owner]") {
				t.Fatalf("unowned Ingress: %v, want a denial", err)
			}
			if _, err := ingresses.Create(ctx, object("unregistered", "unregistered-"+level+".decisionlog.example.com", true), metav1.CreateOptions{}); err != nil {
				t.Fatalf("a dryrun violation blocked the request: %v", err)
			}
			if _, err := ingresses.Create(ctx, object("clean", "clean-"+level+".decisionlog.example.org", true), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			revision := activeRevision(t, wh)

			want := map[string]struct {
				action   string
				policies []string
			}{
				"unowned":      {"deny", []string{"e2e.require_owner"}},
				"unregistered": {"dryrun", []string{"e2e.audit_hosts"}},
			}
			// The API server may log the request before our read: give the line a moment.
			var byName map[string][]map[string]any
			eventually(t, 5*time.Second, func() error {
				byName = map[string][]map[string]any{}
				for _, e := range logs.jsonLines() {
					if e["msg"] == admission.DecisionLogMessage && e["namespace"] == ns {
						byName[fmt.Sprint(e["name"])] = append(byName[fmt.Sprint(e["name"])], e)
					}
				}
				for name := range want {
					if len(byName[name]) == 0 {
						return fmt.Errorf("no decision line for %s", name)
					}
				}
				return nil
			})
			for name, w := range want {
				lines := byName[name]
				if len(lines) != 1 {
					t.Errorf("%s: %d decision lines, want 1: %v", name, len(lines), lines)
					continue
				}
				e := lines[0]
				for k, v := range map[string]string{
					"action": w.action, "webhook": "validate", "user": "carol@example.com", "operation": "CREATE",
					"group": "networking.k8s.io", "version": "v1", "kind": "Ingress", "revision": revision, "logger": "admission",
				} {
					if e[k] != v {
						t.Errorf("%s: %s = %v, want %q", name, k, e[k], v)
					}
				}
				if uid, _ := e["uid"].(string); uid == "" {
					t.Errorf("%s: no uid", name)
				}
				var policies []string
				for _, p := range e["policies"].([]any) {
					policies = append(policies, p.(string))
				}
				if !slices.Equal(policies, w.policies) {
					t.Errorf("%s: policies = %v, want %v", name, policies, w.policies)
				}
				line, _ := json.Marshal(e)
				if has := strings.Contains(string(line), canary); has != (level == "debug") {
					t.Errorf("%s: object body in the decision line = %v at --log-level=%s: %s", name, has, level, line)
				}
			}
			if lines := byName["clean"]; len(lines) != 0 {
				t.Errorf("a clean request was logged as a decision: %v", lines)
			}
			if level == "info" && strings.Contains(logs.String(), canary) {
				t.Errorf("object content reached the info log:\n%s", logs.String())
			}
		})
	}
}
