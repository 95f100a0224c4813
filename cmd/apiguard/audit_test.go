package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/testenv"
)

// TestAuditAgainstAnAPIServer runs `apiguard audit` against a real API server in every
// format check has, with check's exit codes.
func TestAuditAgainstAnAPIServer(t *testing.T) {
	testenv.Integration(t, testenv.ControlPlane)
	ctx := context.Background()
	cluster, cs := kubetest.StartForTest(t)
	// The API server creates default/kubernetes itself, shortly after it starts serving;
	// on a loaded machine the audit could otherwise run before it exists.
	if err := kubetest.Poll(time.Minute, func() error {
		_, err := cs.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		return err
	}); err != nil {
		t.Fatalf("the API server never created Service default/kubernetes: %v", err)
	}
	for _, ns := range []string{"team", "skipped"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	class := "nginx"
	mk := func(ns, name string, tls bool) {
		ing := &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/owner": "team-a"}},
			Spec:       networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{Host: name + ".example.com"}}},
		}
		if tls {
			ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{name + ".example.com"}, SecretName: "tls"}}
		}
		if _, err := cs.NetworkingV1().Ingresses(ns).Create(ctx, ing, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mk("team", "shop", true)
	mk("team", "blog", false)
	mk("skipped", "legacy", false)
	base := []string{"audit", "--kubeconfig", cluster.Kubeconfig(), "--policy", policies}

	t.Run("text", func(t *testing.T) {
		code, out, errOut := run(t, "", append(base, "--exclude-namespace", "skipped")...)
		if code != 1 {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
		for _, want := range []string{"kubernetes/kubetest", "DENY   Ingress team/blog: [ingress.require_tls]", "PATCH  Ingress team/shop: [ingress.default_ssl_redirect]", "3 objects, 1 denied", "PASS   Service default/kubernetes"} {
			if !strings.Contains(out, want) {
				t.Errorf("missing %q in:\n%s", want, out)
			}
		}
		if strings.Contains(out, "legacy") {
			t.Errorf("an excluded namespace was audited:\n%s", out)
		}
	})
	t.Run("json", func(t *testing.T) {
		code, out, _ := run(t, "", append(base, "-o", "json")...)
		var results []struct {
			Namespace, Name string
			Allowed         bool
			Revision        string
		}
		if err := json.Unmarshal([]byte(out), &results); err != nil || code != 1 {
			t.Fatalf("exit %d, %v:\n%s", code, err, out)
		}
		var got []string
		for _, r := range results {
			got = append(got, r.Namespace+"/"+r.Name)
			if (r.Name == "blog" || r.Name == "legacy") == r.Allowed || r.Revision == "" {
				t.Errorf("result %+v", r)
			}
		}
		if strings.Join(got, ",") != "default/kubernetes,skipped/legacy,team/blog,team/shop" {
			t.Errorf("objects %v (want every exposure object, sorted)", got)
		}
	})
	t.Run("junit", func(t *testing.T) {
		code, out, _ := run(t, "", append(base, "-o", "junit")...)
		var doc struct{}
		if err := xml.Unmarshal([]byte(out), &doc); err != nil || code != 1 || !strings.Contains(out, "ingress.require_tls") {
			t.Errorf("exit %d, %v:\n%s", code, err, out)
		}
	})
	t.Run("sarif", func(t *testing.T) {
		code, out, _ := run(t, "", append(base, "-o", "sarif")...)
		var doc struct {
			Runs []struct {
				Results []struct{ RuleID string }
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || len(doc.Runs) != 1 {
			t.Fatalf("exit %d, %v", code, err)
		}
		found := false
		for _, r := range doc.Runs[0].Results {
			found = found || r.RuleID == "ingress.require_tls"
		}
		if !found {
			t.Errorf("no ingress.require_tls result:\n%s", out)
		}
	})
	t.Run("nothing denied: exit 0", func(t *testing.T) {
		if err := cs.NetworkingV1().Ingresses("team").Delete(ctx, "blog", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if code, out, errOut := run(t, "", append(base, "--exclude-namespace", "skipped")...); code != 0 {
			t.Errorf("exit %d:\n%s%s", code, out, errOut)
		}
	})
	t.Run("errors: exit 2", func(t *testing.T) {
		for name, args := range map[string][]string{
			"unknown format":  append(base, "-o", "yaml"),
			"no such context": append(base, "--context", "nope"),
			"bad policies":    {"audit", "--kubeconfig", cluster.Kubeconfig(), "--policy", t.TempDir() + "/missing"},
			"no kubeconfig":   {"audit", "--kubeconfig", t.TempDir() + "/none", "--policy", policies},
		} {
			if code, _, errOut := run(t, "", args...); code != 2 || errOut == "" {
				t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
			}
		}
	})
}
