package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// tykDocumentAPI is a secure Tyk OAS document (key authentication, an API-wide and a
// per-operation rate limit, an in-cluster upstream) serving listenPath; with streams it
// also carries an x-tyk-streaming stream served through the gateway's router.
func tykDocumentAPI(listenPath string, streams bool) string {
	streaming := ""
	if streams {
		streaming = `,"x-tyk-streaming":{"streams":{"orders":{"input":{"http_server":{"path":"/post","allowed_verbs":["POST"]}},
"output":{"kafka":{"addresses":["kafka.streaming.svc:9093"],"topic":"orders","tls":{"enabled":true}}}}}}`
	}
	return fmt.Sprintf(`{"openapi":"3.0.3","info":{"title":"e","version":"1"},
"paths":{"/post":{"post":{"operationId":"publish","responses":{"200":{"description":"ok"}}}}},
"components":{"securitySchemes":{"api_key":{"type":"apiKey","in":"header","name":"Authorization"}}},"security":[{"api_key":[]}],
"x-tyk-api-gateway":{"info":{"name":"e","state":{"active":true}},
"upstream":{"url":"http://e.demo.svc:8080","rateLimit":{"enabled":true,"rate":10,"per":"1s"}},
"server":{"listenPath":{"value":%q,"strip":true},"authentication":{"enabled":true,"securitySchemes":{"api_key":{"enabled":true}}}},
"middleware":{"operations":{"publish":{"rateLimit":{"enabled":true,"rate":5,"per":"1s"}}}}}%s}`, listenPath, streaming)
}

// TestTykStreamsAndMCPListenPathsThroughAPIServer: a live TykStreamsApiDefinition or
// TykMcpProxyDefinition claims the listen path Tyk Operator wrote into its status (here
// written through the status subresource, as the operator does), the webhook's inventory
// watch projects it, and another namespace's ApiDefinition that takes that listen path is
// denied; before the status is written the API claims nothing (the documented window).
func TestTykStreamsAndMCPListenPathsThroughAPIServer(t *testing.T) {
	ctx := context.Background()
	owner := namespace(t, "main")
	attacker := namespace(t, "main")
	waitGuarded(t, owner)
	waitGuarded(t, attacker)
	for _, tc := range []struct {
		kind, resource, field string
		streams               bool
		status                map[string]any
	}{
		{"TykStreamsApiDefinition", "tykstreamsapidefinitions", "tykStreams", true, map[string]any{"listenPath": "/events-e2e/", "domain": ""}},
		{"TykMcpProxyDefinition", "tykmcpproxydefinitions", "tykMCP", false, map[string]any{"listenPath": "/events-e2e/"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			name := strings.ToLower(tc.kind)
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: owner},
				Data: map[string]string{"doc.json": tykDocumentAPI("/events-e2e/", tc.streams)}}
			if _, err := testEnv.cs.CoreV1().ConfigMaps(owner).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = testEnv.cs.CoreV1().ConfigMaps(owner).Delete(ctx, name, metav1.DeleteOptions{}) }()
			api := map[string]any{
				"apiVersion": "tyk.tyk.io/v1alpha1", "kind": tc.kind,
				"metadata": map[string]any{"name": name, "namespace": owner},
				"spec":     map[string]any{tc.field: map[string]any{"configmapRef": map[string]any{"name": name, "keyName": "doc.json"}}},
			}
			if _, err := createStrict(ctx, api); err != nil {
				t.Fatalf("secure %s: %v", tc.kind, err)
			}
			res := testEnv.dyn.Resource(schema.GroupVersionResource{Group: "tyk.tyk.io", Version: "v1alpha1", Resource: tc.resource}).Namespace(owner)
			before := inventoryObjects(t)
			defer func() {
				if err := res.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
					t.Error(err)
				}
				eventually(t, 10*time.Second, func() error {
					if got := inventoryObjects(t); got > before {
						return fmt.Errorf("inventory still holds %v objects, want %v", got, before)
					}
					return nil
				})
			}()
			takeover := func(path string) map[string]any {
				return map[string]any{
					"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "ApiDefinition",
					"metadata": map[string]any{"name": "copy", "namespace": attacker},
					"spec": map[string]any{"name": "copy", "protocol": "http", "active": true, "use_standard_auth": true, "strip_auth_data": true,
						"domain": "api.example.com",
						"proxy":  map[string]any{"target_url": "http://copy.e2e.svc:8080", "listen_path": path, "transport": map[string]any{"ssl_min_version": int64(771)}}},
				}
			}

			// Not reconciled yet: no status, no claim.
			if _, err := createObject(ctx, takeover("/events-e2e/admin"), true); err != nil {
				t.Fatalf("before any status the takeover is not judged against the API (the documented window), but: %v", err)
			}

			// Tyk Operator writes what it applied into status.
			cur, err := res.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := unstructured.SetNestedMap(cur.Object, tc.status, "status"); err != nil {
				t.Fatal(err)
			}
			if _, err := res.UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err != nil {
				t.Fatalf("status: %v", err)
			}
			eventually(t, 10*time.Second, func() error {
				if inventoryObjects(t) <= before {
					return fmt.Errorf("inventory has not projected the %s's status yet", tc.kind)
				}
				return nil
			})

			_, err = createObject(ctx, takeover("/events-e2e/admin"), true)
			if err == nil || !strings.Contains(err.Error(), "[tyk.unique_listen_path]") || !strings.Contains(err.Error(), tc.kind+" "+owner+"/"+name) {
				t.Fatalf("takeover of the live %s's listen path: err = %v", tc.kind, err)
			}
			if _, err := createObject(ctx, takeover("/other-e2e/"), true); err != nil {
				t.Fatalf("a listen path of its own: %v", err)
			}
		})
	}
}
