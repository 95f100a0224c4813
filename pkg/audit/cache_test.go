package audit

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/internal/testenv"
)

// TestClusterCacheFollowsTheCluster runs the audit cache against a real API server: it
// lists once, then follows creates and deletes through watches, reads the ignore label
// of namespaces, and picks up a kind whose CRD is installed after it started.
func TestClusterCacheFollowsTheCluster(t *testing.T) {
	testenv.Integration(t, testenv.ControlPlane)
	ctx := context.Background()
	cluster, cs := kubetest.StartForTest(t)
	for name, labels := range map[string]map[string]string{"team": nil, "escape": {"apiguard.io/ignore": "true"}} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ingress := func(name string) *networkingv1.Ingress {
		return &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team"},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: name + ".example.com"}}}}
	}
	if _, err := cs.NetworkingV1().Ingresses("team").Create(ctx, ingress("before"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	c, err := newClusterCache(cluster.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := c.start(runCtx); err != nil {
		t.Fatal(err)
	}
	names := func() []string {
		var out []string
		for _, o := range c.objects() {
			if o.Namespace == "team" {
				out = append(out, o.Kind+"/"+o.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	waitFor := func(want ...string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !slices.Equal(names(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("cached %v, want %v", names(), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("Ingress/before")
	for _, o := range c.objects() {
		if o.Name == "before" && (o.UID == "" || o.ResourceVersion == "" || !strings.Contains(string(o.Raw), `"host":"before.example.com"`) || strings.Contains(string(o.Raw), "managedFields")) {
			t.Errorf("cached object %+v: %s", o.ObjectMeta, o.Raw)
		}
	}
	if ignored := c.ignoredNamespaces(); !ignored["escape"] || ignored["team"] {
		t.Errorf("ignored namespaces %v", ignored)
	}

	if _, err := cs.NetworkingV1().Ingresses("team").Create(ctx, ingress("after"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Services("team").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "svc", Namespace: "team"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("Ingress/after", "Ingress/before", "Service/svc")
	if err := cs.NetworkingV1().Ingresses("team").Delete(ctx, "before", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("Ingress/after", "Service/svc")

	// Tyk's CRDs arrive after the cache started: the next look for new kinds adds them.
	before := len(c.informers)
	if err := kubetest.InstallTykCRDs(ctx, cluster.RESTConfig()); err != nil {
		t.Fatal(err)
	}
	added, err := c.watchNewKinds(runCtx)
	tyk := len(kubetest.TykResources())
	if err != nil || added != tyk || len(c.informers) != before+tyk {
		t.Fatalf("added %d kinds (%v); informers %d, were %d", added, err, len(c.informers), before)
	}
}
