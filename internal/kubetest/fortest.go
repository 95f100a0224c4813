package kubetest

import (
	"context"
	"testing"

	"k8s.io/client-go/kubernetes"
)

// StartForTest starts a control plane for one test, stops it when the test ends, and
// returns it with a clientset: what a test against its own API server needs first.
func StartForTest(t testing.TB) (*Cluster, kubernetes.Interface) {
	t.Helper()
	cluster, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	cs, err := kubernetes.NewForConfig(cluster.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	return cluster, cs
}
