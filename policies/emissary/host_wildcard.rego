# METADATA
# title: Emissary Hosts must name their hostname
# description: >-
#   A getambassador.io/v3alpha1 Host whose spec.hostname is "*", empty or absent is
#   denied. Emissary reads an absent or empty hostname as "*" (emissary-ingress/emissary
#   python/ambassador/ir/irhost.py setup: `if not self.get("hostname", None):
#   self.hostname = "*"`), and "*" matches every hostname glob
#   (python/ambassador/ir/irutils.py hostglob_matches), so the Host answers for every
#   domain that reaches the gateway, attaches every Mapping with a hostname, and its TLS
#   and requestPolicy (plain HTTP, redirect) apply to all of them
#   (www.getambassador.io/docs/emissary/latest/topics/running/host-crd/). A team's Host
#   can thereby take over other teams' traffic that no more specific Host claims.
#   Compared exactly, as Emissary does: "*.example.com" is a bounded wildcard and passes.
#   Namespaces in emissary.wildcardNamespaces (globs, default none; for example the
#   platform's own emissary namespace) may create one. getambassador.io v2 and v1
#   objects are not judged here (kubernetes.known_api_version denies them).
# custom:
#   kinds: [getambassador.io/Host]
#   severity: high
#   field: spec.hostname
#   remediation: >-
#     Set spec.hostname to the exact domain the Host serves (for example
#     shop.example.com), or a wildcard bounded to your domain (*.shop.example.com).
package emissary.host_wildcard

import data.lib.emissary
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	emissary.host
	emissary.any_host(emissary.host_hostname)
	not k8s.namespace_in(k8s.setting(["emissary", "wildcardNamespaces"], []))
	msg := sprintf(
		"%s: spec.hostname is %s, which Emissary reads as \"*\", so this Host answers for every domain that reaches the gateway and attaches other teams' Mappings; set spec.hostname to the exact domain it serves",
		[k8s.display, hostname_text],
	)
}

hostname_text := sprintf("%q", [k8s.spec.hostname]) if is_string(k8s.spec.hostname)

else := "not set"
