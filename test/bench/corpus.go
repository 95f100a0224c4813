package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeIngressCorpus writes n distinct Ingress manifests, one per file as in a GitOps
// repository, and returns how many of them violate a policy. Names, namespaces and hosts
// all vary, so nothing can be answered from a cache; 30% violate, each in one of three
// ways the library denies, and 10% more draw a warning.
func writeIngressCorpus(dir string, n int) (violating int, err error) {
	for i := range n {
		ns := fmt.Sprintf("team-%02d", i%40)
		host := fmt.Sprintf("app-%05d.%s.example.com", i, ns)
		tls := fmt.Sprintf("  tls:\n    - hosts: [%s]\n      secretName: app-%05d-tls\n", host, i)
		owner := "    app.kubernetes.io/owner: " + ns + "\n"
		snippet := ""
		switch i % 10 {
		case 0: // served over plain HTTP: ingress.require_tls
			tls = ""
			violating++
		case 3: // a host outside the allowed domain: ingress.allowed_hosts
			host = fmt.Sprintf("app-%05d.example.org", i)
			tls = fmt.Sprintf("  tls:\n    - hosts: [%s]\n      secretName: app-%05d-tls\n", host, i)
			violating++
		case 6: // raw proxy configuration: ingress.no_snippet_annotations
			snippet = "    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"X-Team: " + ns + "\";\n"
			violating++
		case 8: // no owner: a warning from ingress.require_owner_label, not a denial
			owner = ""
		}
		doc := fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app-%05d
  namespace: %s
  labels:
    app.kubernetes.io/name: app-%05d
%s  annotations:
    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"
%sspec:
  ingressClassName: nginx
%s  rules:
    - host: %s
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: app-%05d
                port:
                  number: 8080
`, i, ns, i, owner, snippet, tls, host, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("ingress-%05d.yaml", i)), []byte(doc), 0o644); err != nil {
			return 0, err
		}
	}
	return violating, nil
}
