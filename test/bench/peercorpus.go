package main

import (
	"fmt"
)

// The peers section's corpus: Ingress and Service CREATE reviews that exercise the five
// checks apiguard, Gatekeeper and Kyverno all implement (test/bench/peers/README.md):
// TLS for every Ingress host, no wildcard host, unique host across namespaces, no
// NodePort Service, no Service externalIPs.

const (
	// peerOwnerNamespace holds the Ingresses created in the API server before the peers
	// start: the hosts they serve are taken for every other namespace.
	peerOwnerNamespace = "bench-owners"
	// peerTakenHosts is how many such Ingresses (and hosts) there are: the inventory
	// every peer syncs and the unique-host check reads.
	peerTakenHosts = 200
	// peerNamespaces is how many team namespaces the corpus spreads over.
	peerNamespaces = 40
)

func peerTeamNamespace(i int) string { return fmt.Sprintf("team-%02d", i%peerNamespaces) }

func peerTakenHost(k int) string { return fmt.Sprintf("taken-%03d.example.com", k%peerTakenHosts) }

// peerReviewKinds are the corpus kinds and the ways each is built to fail.
func peerReviewKinds() []reviewKind {
	return []reviewKind{
		{"networking.k8s.io", "v1", "Ingress", "ingresses",
			[]string{"", "no TLS", "wildcard host", "host taken by another namespace"}, peerIngressObject},
		{"", "v1", "Service", "services",
			[]string{"", "NodePort", "externalIPs"}, peerServiceObject},
	}
}

// peerCorpus returns n distinct CREATE reviews, Ingress and Service in turn, each with
// its own name, namespace, host and UID; three in ten violate one of the five checks,
// cycling through each kind's ways to fail (as reviewCorpus does for the serving section).
func peerCorpus(n int) ([]review, error) {
	kinds := peerReviewKinds()
	out := make([]review, 0, n)
	for i := range n {
		k := kinds[i%len(kinds)]
		seq := i / len(kinds)
		variant := ""
		switch seq % 10 {
		case 0, 3, 6:
			fails := k.variants[1:]
			variant = fails[(seq/10*3+seq%10/3)%len(fails)]
		}
		ns := peerTeamNamespace(seq)
		obj := k.object(i, ns, variant)
		uid := fmt.Sprintf("00000000-0000-4000-9000-%012d", i)
		body, err := admissionReview(uid, k, ns, obj)
		if err != nil {
			return nil, err
		}
		out = append(out, review{body: body, uid: uid, kind: k.kind, wantAllowed: variant == "", violation: variant})
	}
	return out, nil
}

// peerIngressObject is the serving corpus's passing Ingress (so the full library admits
// it too), with the variant's one change.
func peerIngressObject(i int, ns, variant string) map[string]any {
	obj := ingressObject(i, ns, "")
	spec := obj["spec"].(map[string]any)
	setHost := func(host string) {
		rule := spec["rules"].([]any)[0].(map[string]any)
		rule["host"] = host
		spec["tls"] = []any{map[string]any{"hosts": []any{host}, "secretName": fmt.Sprintf("app-%06d-tls", i)}}
	}
	switch variant {
	case "no TLS":
		delete(spec, "tls")
	case "wildcard host":
		setHost("*." + ns + ".example.com")
	case "host taken by another namespace":
		setHost(peerTakenHost(i))
	}
	return obj
}

func peerServiceObject(i int, ns, variant string) map[string]any {
	name := fmt.Sprintf("svc-%06d", i)
	port := map[string]any{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}
	spec := map[string]any{
		"type":     "ClusterIP",
		"selector": map[string]any{"app.kubernetes.io/name": name},
		"ports":    []any{port},
	}
	switch variant {
	case "NodePort":
		spec["type"] = "NodePort"
		port["nodePort"] = 30000 + i%2000
	case "externalIPs":
		spec["externalIPs"] = []any{fmt.Sprintf("203.0.113.%d", i%250+1)}
	}
	return map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": meta(i, name, ns, ownerLabels(name, ns), nil),
		"spec":     spec,
	}
}

// peerVerdictCase is one object of the fixed set every peer must judge as apiguard's five
// policies do, before anything is measured (and in TestPeerVerdicts).
type peerVerdictCase struct {
	name    string
	ns      string
	kind    reviewKind
	object  map[string]any
	allowed bool
}

// peerVerdictCases are the edges of the five checks the peers' policies claim to share
// with apiguard's: a wildcard TLS entry covers one label and no more, a rule without a
// host, a catch-all defaultBackend, a taken host in its owner's namespace and in
// another, a LoadBalancer whose node port the API server allocated.
func peerVerdictCases() []peerVerdictCase {
	kinds := peerReviewKinds()
	ing, svc := kinds[0], kinds[1]
	ingress := func(i int, ns string, hosts []string, tls []string, defaultBackend bool) map[string]any {
		obj := ingressObject(i, ns, "")
		obj["metadata"].(map[string]any)["name"] = fmt.Sprintf("case-%02d", i)
		spec := obj["spec"].(map[string]any)
		rule := spec["rules"].([]any)[0].(map[string]any)
		var rules []any
		for _, h := range hosts {
			r := map[string]any{"http": rule["http"]}
			if h != "" {
				r["host"] = h
			}
			rules = append(rules, r)
		}
		if len(rules) == 0 {
			delete(spec, "rules")
		} else {
			spec["rules"] = rules
		}
		delete(spec, "tls")
		if len(tls) > 0 {
			var hs []any
			for _, h := range tls {
				hs = append(hs, h)
			}
			spec["tls"] = []any{map[string]any{"hosts": hs, "secretName": "case-tls"}}
		}
		if defaultBackend {
			spec["defaultBackend"] = map[string]any{"service": map[string]any{"name": "web", "port": map[string]any{"number": 8080}}}
		}
		return obj
	}
	service := func(i int, ns string, edit func(spec, port map[string]any)) map[string]any {
		obj := peerServiceObject(i, ns, "")
		spec := obj["spec"].(map[string]any)
		edit(spec, spec["ports"].([]any)[0].(map[string]any))
		return obj
	}
	a := "a.team-00.example.com"
	return []peerVerdictCase{
		{"ingress: host covered by its own TLS entry", "team-00", ing, ingress(1, "team-00", []string{a}, []string{a}, false), true},
		{"ingress: no TLS", "team-00", ing, ingress(2, "team-00", []string{a}, nil, false), false},
		{"ingress: TLS for another host only", "team-00", ing, ingress(3, "team-00", []string{a}, []string{"b.team-00.example.com"}, false), false},
		{"ingress: *.team-00 covers a.team-00", "team-00", ing, ingress(4, "team-00", []string{a}, []string{"*.team-00.example.com"}, false), true},
		{"ingress: *.team-00 does not cover a.b.team-00", "team-00", ing, ingress(5, "team-00", []string{"a.b.team-00.example.com"}, []string{"*.team-00.example.com"}, false), false},
		{"ingress: second host uncovered", "team-00", ing, ingress(6, "team-00", []string{a, "c.team-00.example.com"}, []string{a}, false), false},
		{"ingress: rule without host, no TLS", "team-00", ing, ingress(7, "team-00", []string{""}, nil, false), false},
		{"ingress: rule without host, with TLS", "team-00", ing, ingress(8, "team-00", []string{""}, []string{a}, false), false},
		{"ingress: wildcard host with matching TLS", "team-00", ing, ingress(9, "team-00", []string{"*.team-00.example.com"}, []string{"*.team-00.example.com"}, false), false},
		{"ingress: defaultBackend only, with TLS", "team-00", ing, ingress(10, "team-00", nil, []string{a}, true), false},
		{"ingress: defaultBackend beside host rules", "team-00", ing, ingress(11, "team-00", []string{a}, []string{a}, true), true},
		{"ingress: host taken by another namespace", "team-01", ing, ingress(12, "team-01", []string{peerTakenHost(7)}, []string{peerTakenHost(7)}, false), false},
		{"ingress: taken host, second rule", "team-01", ing, ingress(13, "team-01", []string{"d.team-01.example.com", peerTakenHost(8)}, []string{"d.team-01.example.com", peerTakenHost(8)}, false), false},
		{"ingress: taken host in its owner's namespace", peerOwnerNamespace, ing, ingress(14, peerOwnerNamespace, []string{peerTakenHost(9)}, []string{peerTakenHost(9)}, false), true},
		{"service: ClusterIP", "team-00", svc, service(15, "team-00", func(map[string]any, map[string]any) {}), true},
		{"service: NodePort", "team-00", svc, service(16, "team-00", func(s, p map[string]any) { s["type"] = "NodePort"; p["nodePort"] = 30080 }), false},
		{"service: NodePort, node port left to the API server", "team-00", svc, service(17, "team-00", func(s, _ map[string]any) { s["type"] = "NodePort" }), false},
		{"service: LoadBalancer, node port allocated", "team-00", svc, service(18, "team-00", func(s, p map[string]any) { s["type"] = "LoadBalancer"; p["nodePort"] = 31080 }), true},
		{"service: externalIPs", "team-00", svc, service(19, "team-00", func(s, _ map[string]any) { s["externalIPs"] = []any{"203.0.113.10"} }), false},
		{"service: empty externalIPs", "team-00", svc, service(20, "team-00", func(s, _ map[string]any) { s["externalIPs"] = []any{} }), true},
	}
}

// peerVerdictReviews encodes the fixed cases as CREATE reviews.
func peerVerdictReviews() ([]review, []peerVerdictCase, error) {
	cases := peerVerdictCases()
	out := make([]review, 0, len(cases))
	for i, c := range cases {
		uid := fmt.Sprintf("00000000-0000-4000-a000-%012d", i)
		body, err := admissionReview(uid, c.kind, c.ns, c.object)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, review{body: body, uid: uid, kind: c.kind.kind, wantAllowed: c.allowed, violation: c.name})
	}
	return out, cases, nil
}
