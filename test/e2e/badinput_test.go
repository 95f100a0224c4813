package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

const e2eFinalizer = "e2e.apiguard.io/cleanup"

// legacyIngresses creates Ingresses without TLS, each holding a finalizer, in a namespace
// the webhook does not guard yet (as if created before apiguard was installed, or while
// it was registered with failurePolicy Ignore and down), then brings the namespace under
// the main webhook and waits until it judges there. It returns the namespace.
func legacyIngresses(t *testing.T, names ...string) string {
	t.Helper()
	ctx := context.Background()
	ns := namespace(t, "off")
	for _, name := range names {
		// Hosts of their own: ingress.unique_host must not see other tests' examples.
		ing := ingress(ns, name, []string{name + "." + ns + ".example.com"}, nil)
		ing.Finalizers = []string{e2eFinalizer}
		if _, err := testEnv.cs.NetworkingV1().Ingresses(ns).Create(ctx, ing, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating %s while unguarded: %v", name, err)
		}
	}
	t.Cleanup(func() { removeLegacy(ns, names) })
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:"main"}}}`, mainLabel)
	if _, err := testEnv.cs.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitGuarded(t, ns)
	return ns
}

// removeLegacy deletes what legacyIngresses created, whatever state a test left it in,
// with the webhook out of the way, so no other test meets these objects.
func removeLegacy(ns string, names []string) {
	ctx := context.Background()
	off := fmt.Sprintf(`{"metadata":{"labels":{%q:"off"}}}`, mainLabel)
	_, _ = testEnv.cs.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, []byte(off), metav1.PatchOptions{})
	for _, name := range names {
		_, _ = testEnv.cs.NetworkingV1().Ingresses(ns).Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		_ = testEnv.cs.NetworkingV1().Ingresses(ns).Delete(ctx, name, metav1.DeleteOptions{})
	}
}

// validateCount reads the webhook's request counter for Ingress UPDATEs with a decision.
func validateCount(t *testing.T, decision string) float64 {
	t.Helper()
	v, err := testEnv.webhook.Metric(`apiguard_admission_requests_total{decision="` + decision + `",kind="Ingress",operation="UPDATE",webhook="validate"}`)
	if err != nil {
		return 0 // not counted yet
	}
	return v
}

// validateUpdates counts the Ingress UPDATEs the validating webhook answered, whatever
// its decision.
func validateUpdates(t *testing.T) float64 {
	t.Helper()
	n := 0.0
	for _, d := range []string{"allowed", "denied", "patched", "exempt", "not_judged", "error", "bad_request"} {
		n += validateCount(t, d)
	}
	return n
}

// TestFinalizerRemovalOfViolatingObject: an Ingress that violates ingress.require_tls,
// created before the webhook guarded its namespace, can still lose its finalizer and be
// deleted through the API server, in either order, while any content change to it is
// denied. Neither webhook changes the object on the way.
func TestFinalizerRemovalOfViolatingObject(t *testing.T) {
	ctx := context.Background()
	ns := legacyIngresses(t, "patch-first", "delete-first")
	ingresses := testEnv.cs.NetworkingV1().Ingresses(ns)

	// The webhook judges these objects now: a content change is denied.
	_, err := ingresses.Patch(ctx, "patch-first", types.MergePatchType, []byte(`{"metadata":{"labels":{"tier":"web"}}}`), metav1.PatchOptions{})
	if err == nil || !strings.Contains(err.Error(), "[ingress.require_tls]") {
		t.Fatalf("a label change on a violating Ingress: %v; want a denial by ingress.require_tls", err)
	}

	notJudged := validateCount(t, "not_judged")
	removeFinalizer := []byte(`[{"op":"test","path":"/metadata/finalizers/0","value":"` + e2eFinalizer + `"},{"op":"remove","path":"/metadata/finalizers"}]`)
	got, err := ingresses.Patch(ctx, "patch-first", types.JSONPatchType, removeFinalizer, metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("removing the finalizer was refused: %v", err)
	}
	if len(got.Finalizers) != 0 || len(got.Annotations) != 0 || got.Spec.TLS != nil {
		t.Errorf("the finalizer-only PATCH changed more: finalizers %v, annotations %v, tls %v", got.Finalizers, got.Annotations, got.Spec.TLS)
	}
	if after := validateCount(t, "not_judged"); after != notJudged+1 {
		t.Errorf("validate not_judged counter %v -> %v; want the PATCH to reach the webhook and be left unjudged", notJudged, after)
	}
	if err := ingresses.Delete(ctx, "patch-first", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	waitGone(t, ns, "patch-first")

	// A controller's order: delete first, the object waits on its finalizer, then the
	// controller removes the finalizer and the object goes.
	if err := ingresses.Delete(ctx, "delete-first", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	pending, err := ingresses.Get(ctx, "delete-first", metav1.GetOptions{})
	if err != nil || pending.DeletionTimestamp == nil {
		t.Fatalf("want the Ingress pending deletion on its finalizer: %v %+v", err, pending)
	}
	if _, err := ingresses.Patch(ctx, "delete-first", types.JSONPatchType, removeFinalizer, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("removing the finalizer of an Ingress being deleted was refused: %v", err)
	}
	waitGone(t, ns, "delete-first")
}

// TestStatusSubresourceIsNotMatched: writing the status of a violating Ingress (what an
// ingress controller does with its load balancer address) succeeds, and never reaches
// the webhook: its registration, like the chart's, names no subresource. The handler's
// own refusal to judge subresources is tested in pkg/admission (TestNotJudged).
func TestStatusSubresourceIsNotMatched(t *testing.T) {
	ctx := context.Background()
	ns := legacyIngresses(t, "status")
	ingresses := testEnv.cs.NetworkingV1().Ingresses(ns)
	before := validateUpdates(t)
	ing, err := ingresses.Get(ctx, "status", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "192.0.2.10"}}
	if _, err := ingresses.UpdateStatus(ctx, ing, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("status write on a violating Ingress was refused: %v", err)
	}
	if after := validateUpdates(t); after != before {
		t.Errorf("the status write reached the validating webhook (%v Ingress UPDATEs -> %v)", before, after)
	}
	got, err := ingresses.Get(ctx, "status", metav1.GetOptions{})
	if err != nil || len(got.Status.LoadBalancer.Ingress) != 1 {
		t.Fatalf("status not stored: %v %+v", err, got.Status)
	}
}

func waitGone(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, 30*time.Second, func() error {
		_, err := testEnv.cs.NetworkingV1().Ingresses(ns).Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err == nil {
			return errors.New(name + " still exists")
		}
		return err
	})
}
