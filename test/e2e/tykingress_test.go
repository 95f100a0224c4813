package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// tykTemplate is an ApiDefinition template (labelled template: "true", the label Tyk
// Operator's ApiDefinition controller reads, so it does not publish it) that is keyless
// or uses token auth.
func tykTemplate(ns, name string, keyless bool) map[string]any {
	spec := map[string]any{
		"name": name, "protocol": "http", "active": true, "use_keyless": keyless, "strip_auth_data": true,
		"proxy": map[string]any{"target_url": "http://placeholder." + ns + ".svc:8080", "listen_path": "/" + name, "strip_listen_path": true},
	}
	if !keyless {
		spec["use_standard_auth"] = true
		spec["auth_configs"] = map[string]any{"authToken": map[string]any{"auth_header_name": "Authorization"}}
	}
	return map[string]any{
		"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "ApiDefinition",
		"metadata": map[string]any{"name": name, "namespace": ns, "labels": map[string]any{"template": "true"}},
		"spec":     spec,
	}
}

// tykOASTemplate is a TykOasApiDefinition template naming the ConfigMap doc.
func tykOASTemplate(ns, name, doc string) map[string]any {
	return map[string]any{
		"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "TykOasApiDefinition",
		"metadata": map[string]any{"name": name, "namespace": ns, "labels": map[string]any{"tyk.io/template": "true"}},
		"spec":     map[string]any{"tykOAS": map[string]any{"configmapRef": map[string]any{"name": doc, "keyName": "oas.json"}}},
	}
}

// tykIngress is an Ingress of class tyk (the annotation Tyk Operator's controller reads)
// with TLS on a host of its own.
func tykIngress(ns, name string, annotations map[string]any) map[string]any {
	annotations["kubernetes.io/ingress.class"] = "tyk"
	host := fmt.Sprintf("%s-%s.example.com", name, ns)
	return map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": name, "namespace": ns, "annotations": annotations,
			"labels": map[string]any{"app.kubernetes.io/owner": "team-e2e"}},
		"spec": map[string]any{
			"tls": []any{map[string]any{"hosts": []any{host}, "secretName": name + "-tls"}},
			"rules": []any{map[string]any{"host": host, "http": map[string]any{"paths": []any{map[string]any{
				"path": "/" + name, "pathType": "Prefix",
				"backend": map[string]any{"service": map[string]any{"name": name, "port": map[string]any{"number": int64(8080)}}},
			}}}}},
		},
	}
}

// TestTykIngressThroughAPIServer: an Ingress of class tyk is judged by the template it
// names, which the webhook GETs from the cluster (and, for a Tyk OAS template, then its
// ConfigMap): a keyless template denies the Ingress, a keyed one admits it. The
// templates are created before the namespace is guarded, as templates that predate
// apiguard are (a keyless ApiDefinition is itself denied by tyk.no_keyless).
func TestTykIngressThroughAPIServer(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, "off")
	for _, doc := range []struct {
		name string
		auth bool
	}{{"keyed-doc", true}, {"open-doc", false}} {
		cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": doc.name, "namespace": ns},
			"data": map[string]any{"oas.json": tykOASDocument(doc.auth)}}
		if _, err := createStrict(ctx, cm); err != nil {
			t.Fatalf("ConfigMap %s: %v", doc.name, err)
		}
	}
	for _, obj := range []map[string]any{
		tykTemplate(ns, "token-tpl", false), tykTemplate(ns, "open-tpl", true),
		tykOASTemplate(ns, "keyed-oas-tpl", "keyed-doc"), tykOASTemplate(ns, "open-oas-tpl", "open-doc"),
	} {
		if _, err := createStrict(ctx, obj); err != nil {
			t.Fatalf("template %v: %v", obj["metadata"], err)
		}
	}
	cur, err := testEnv.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Labels[mainLabel] = "main"
	if _, err := testEnv.cs.CoreV1().Namespaces().Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitGuarded(t, ns)

	oas := "TykOasApiDefinition"
	tests := map[string]struct {
		annotations map[string]any
		want        []string // substrings of the denial; none: admitted
	}{
		"a keyed ApiDefinition template admits the Ingress": {map[string]any{"tyk.io/template": "token-tpl"}, nil},
		"a keyed Tyk OAS template admits the Ingress": {
			map[string]any{"tyk.io/template": "keyed-oas-tpl", "tyk.io/template-kind": oas}, nil},
		"a keyless ApiDefinition template denies the Ingress": {
			map[string]any{"tyk.io/template": "open-tpl"}, []string{"[tyk.ingress_template]", "ApiDefinition " + ns + "/open-tpl, which sets spec.use_keyless: true"}},
		"a Tyk OAS template whose ConfigMap turns authentication off denies the Ingress": {
			map[string]any{"tyk.io/template": "open-oas-tpl", "tyk.io/template-kind": oas},
			[]string{"[tyk.ingress_template]", "ConfigMap " + ns + "/open-doc key \"oas.json\": x-tyk-api-gateway.server.authentication.enabled is not true"}},
		"a misspelt template-kind reads the ApiDefinition of that name, which does not exist": {
			map[string]any{"tyk.io/template": "keyed-oas-tpl", "tyk.io/template-kind": "tykoasapidefinition"},
			[]string{"[tyk.ingress_template]", "ApiDefinition " + ns + "/keyed-oas-tpl, which does not exist"}},
		"no template is the controller's built-in keyless one": {
			map[string]any{}, []string{"[tyk.ingress_template]", "built-in keyless template"}},
	}
	i := 0
	for name, tt := range tests {
		i++
		t.Run(name, func(t *testing.T) {
			_, err := createStrict(ctx, tykIngress(ns, fmt.Sprintf("web%d", i), tt.annotations))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("want admitted, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want denied with %q, admitted", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("denial %v does not contain %q", err, w)
				}
			}
		})
	}
}
