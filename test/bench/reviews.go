package main

import (
	"encoding/json"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// review is one AdmissionReview of the serving corpus, encoded once so the load
// generator spends nothing on JSON while it measures.
type review struct {
	body        []byte
	uid         string
	kind        string
	wantAllowed bool
	// violation names how the object was built to fail ("" when it should pass), to make
	// a verdict mismatch readable.
	violation string
}

// reviewKind builds one exposure kind's objects: variant 0 passes every library policy
// under test/examples-config.yaml, each other variant breaks exactly one of them.
type reviewKind struct {
	group, version, kind, resource string
	variants                       []string
	object                         func(i int, ns, variant string) map[string]any
}

func reviewKinds() []reviewKind {
	return []reviewKind{
		{"networking.k8s.io", "v1", "Ingress", "ingresses",
			[]string{"", "no TLS", "host outside example.com", "snippet annotation", "class traefik", "database backend"}, ingressObject},
		{"networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies",
			[]string{"", "ipBlock 0.0.0.0/0", "allow all"}, networkPolicyObject},
		{"gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes",
			[]string{"", "wildcard hostname", "hostname outside example.com"}, httpRouteObject},
		{"tyk.tyk.io", "v1alpha1", "ApiDefinition", "apidefinitions",
			[]string{"", "keyless", "TLS verification off", "upstream TLS 1.0 minimum", "CORS * with credentials", "rate limit disabled"}, apiDefinitionObject},
	}
}

// reviewCorpus returns n distinct CREATE reviews: the four kinds in turn, each with its
// own name, namespace, host and UID so no cache can answer one from another. Three in
// ten violate a policy, cycling through each kind's ways to fail.
func reviewCorpus(n int) ([]review, error) {
	kinds := reviewKinds()
	out := make([]review, 0, n)
	for i := range n {
		k := kinds[i%len(kinds)]
		seq := i / len(kinds) // the position within this kind
		variant := ""
		switch seq % 10 {
		case 0, 3, 6:
			fails := k.variants[1:]
			variant = fails[(seq/10*3+seq%10/3)%len(fails)]
		}
		ns := fmt.Sprintf("team-%02d", seq%40)
		obj := k.object(i, ns, variant)
		uid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		body, err := admissionReview(uid, k, ns, obj)
		if err != nil {
			return nil, err
		}
		out = append(out, review{body: body, uid: uid, kind: k.kind, wantAllowed: variant == "", violation: variant})
	}
	return out, nil
}

// admissionReview wraps obj the way the API server sends a CREATE: a GitOps
// controller's identity, the object with its managedFields, dry-run off.
func admissionReview(uid string, k reviewKind, ns string, obj map[string]any) ([]byte, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	name := obj["metadata"].(map[string]any)["name"].(string)
	gvk := metav1.GroupVersionKind{Group: k.group, Version: k.version, Kind: k.kind}
	gvr := metav1.GroupVersionResource{Group: k.group, Version: k.version, Resource: k.resource}
	dryRun := false
	ar := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:  types.UID(uid),
			Kind: gvk, Resource: gvr, RequestKind: &gvk, RequestResource: &gvr,
			Name: name, Namespace: ns, Operation: admissionv1.Create,
			UserInfo: authenticationv1.UserInfo{
				Username: "system:serviceaccount:flux-system:kustomize-controller",
				UID:      "5f0c7d8e-1c2b-4a3d-9e8f-000000000001",
				Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:flux-system", "system:authenticated"},
			},
			Object:  runtime.RawExtension{Raw: raw},
			DryRun:  &dryRun,
			Options: runtime.RawExtension{Raw: []byte(`{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1","fieldManager":"kustomize-controller"}`)},
		},
	}
	return json.Marshal(ar)
}

// meta is the metadata the API server has filled in by the time admission runs.
func meta(i int, name, ns string, labels, annotations map[string]any) map[string]any {
	m := map[string]any{
		"name": name, "namespace": ns,
		"uid":               fmt.Sprintf("7a1e0f3c-0000-4000-9000-%012d", i),
		"creationTimestamp": "2025-01-01T00:00:00Z",
		"labels":            labels,
		"managedFields": []any{map[string]any{
			"manager": "kustomize-controller", "operation": "Apply", "apiVersion": "v1", "time": "2025-01-01T00:00:00Z",
			"fieldsType": "FieldsV1", "fieldsV1": map[string]any{"f:metadata": map[string]any{"f:labels": map[string]any{"f:app.kubernetes.io/name": map[string]any{}}}, "f:spec": map[string]any{}},
		}},
	}
	if len(annotations) > 0 {
		m["annotations"] = annotations
	}
	return m
}

func ingressObject(i int, ns, variant string) map[string]any {
	name := fmt.Sprintf("app-%06d", i)
	host := fmt.Sprintf("%s.%s.example.com", name, ns)
	annotations := map[string]any{"nginx.ingress.kubernetes.io/force-ssl-redirect": "true"}
	class, backend, port := "nginx", name, 8080
	switch variant {
	case "host outside example.com":
		host = name + ".example.org"
	case "snippet annotation":
		annotations["nginx.ingress.kubernetes.io/configuration-snippet"] = "more_set_headers \"X-Id: " + name + "\";"
	case "class traefik":
		class = "traefik"
	case "database backend":
		backend, port = name+"-db", 5432
	}
	spec := map[string]any{
		"ingressClassName": class,
		"rules": []any{map[string]any{"host": host, "http": map[string]any{"paths": []any{map[string]any{
			"path": "/", "pathType": "Prefix",
			"backend": map[string]any{"service": map[string]any{"name": backend, "port": map[string]any{"number": port}}},
		}}}}},
	}
	if variant != "no TLS" {
		spec["tls"] = []any{map[string]any{"hosts": []any{host}, "secretName": name + "-tls"}}
	}
	return map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": meta(i, name, ns, ownerLabels(name, ns), annotations),
		"spec":     spec,
	}
}

func networkPolicyObject(i int, ns, variant string) map[string]any {
	name := fmt.Sprintf("web-%06d", i)
	podSelector := map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": name}}
	from := []any{
		map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "ingress-nginx"}}},
		map[string]any{"ipBlock": map[string]any{"cidr": fmt.Sprintf("203.0.%d.0/24", i%256)}},
	}
	rule := map[string]any{"from": from, "ports": []any{map[string]any{"protocol": "TCP", "port": 8443}}}
	switch variant {
	case "ipBlock 0.0.0.0/0":
		from[1] = map[string]any{"ipBlock": map[string]any{"cidr": "0.0.0.0/0", "except": []any{"169.254.169.254/32"}}}
	case "allow all":
		podSelector = map[string]any{}
		delete(rule, "from")
	}
	return map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
		"metadata": meta(i, name, ns, ownerLabels(name, ns), nil),
		"spec":     map[string]any{"podSelector": podSelector, "policyTypes": []any{"Ingress"}, "ingress": []any{rule}},
	}
}

func httpRouteObject(i int, ns, variant string) map[string]any {
	name := fmt.Sprintf("route-%06d", i)
	host := fmt.Sprintf("%s.%s.example.com", name, ns)
	switch variant {
	case "wildcard hostname":
		host = "*." + ns + ".example.com"
	case "hostname outside example.com":
		host = name + ".example.net"
	}
	return map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
		"metadata": meta(i, name, ns, ownerLabels(name, ns), nil),
		"spec": map[string]any{
			"parentRefs": []any{map[string]any{"name": "edge", "sectionName": "https"}},
			"hostnames":  []any{host},
			"rules": []any{map[string]any{
				"matches":     []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/"}}},
				"backendRefs": []any{map[string]any{"name": name, "port": 80}},
			}},
		},
	}
}

func apiDefinitionObject(i int, ns, variant string) map[string]any {
	name := fmt.Sprintf("api-%06d", i)
	spec := map[string]any{
		"name": name, "domain": name + ".example.com", "protocol": "http", "active": true,
		"use_keyless": false, "enable_jwt": true, "jwt_signing_method": "rsa",
		"jwt_source": "https://idp.example.com/.well-known/jwks.json", "jwt_identity_base_field": "sub",
		"strip_auth_data": true,
		"proxy": map[string]any{
			"target_url": fmt.Sprintf("http://%s.%s.svc:8000", name, ns), "listen_path": "/" + name, "strip_listen_path": true,
			"transport": map[string]any{"ssl_min_version": 771},
		},
	}
	switch variant {
	case "keyless":
		spec["use_keyless"] = true
		delete(spec, "enable_jwt")
	case "TLS verification off":
		spec["proxy"].(map[string]any)["transport"].(map[string]any)["ssl_insecure_skip_verify"] = true
	case "upstream TLS 1.0 minimum":
		spec["proxy"].(map[string]any)["transport"].(map[string]any)["ssl_min_version"] = 769
	case "CORS * with credentials":
		spec["CORS"] = map[string]any{"enable": true, "allowed_origins": []any{"*"}, "allow_credentials": true}
	case "rate limit disabled":
		spec["disable_rate_limit"] = true
	}
	return map[string]any{
		"apiVersion": "tyk.tyk.io/v1alpha1", "kind": "ApiDefinition",
		"metadata": meta(i, name, ns, ownerLabels(name, ns), nil),
		"spec":     spec,
	}
}

func ownerLabels(name, ns string) map[string]any {
	return map[string]any{"app.kubernetes.io/name": name, "app.kubernetes.io/owner": ns}
}
