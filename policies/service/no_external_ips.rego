# METADATA
# title: Service must not set spec.externalIPs
# description: >-
#   kube-proxy routes traffic for every address in spec.externalIPs to the
#   Service, on every node, whoever owns that address. Anyone who can create a
#   Service can therefore intercept traffic for another tenant's or an external
#   IP (CVE-2020-8554). Denied for every address, unless the namespace matches a
#   glob in data.apiguard.config.service.externalIPNamespaces (default []).
# custom:
#   kinds: [Service]
#   severity: high
#   field: spec.externalIPs
#   remediation: >-
#     Remove spec.externalIPs and expose the Service through an Ingress, a
#     Gateway or an internal load balancer.
package service.no_external_ips

import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	not k8s.namespace_in(exempt_namespaces)
	some ip in k8s.array_at(k8s.spec, "externalIPs")
	msg := sprintf(
		"%s: spec.externalIPs contains %v, which makes every node route traffic for that address to this Service (CVE-2020-8554); remove spec.externalIPs and expose the Service through an Ingress, a Gateway or an internal load balancer",
		[k8s.display, ip],
	)
}

applies if {
	k8s.is_check
	k8s.group == ""
	k8s.kind == "Service"
}

# Malformed configuration (not a list of strings) means no exemptions.
exempt_namespaces := globs if {
	globs := k8s.setting(["service", "externalIPNamespaces"], [])
	is_array(globs)
	every g in globs {
		is_string(g)
	}
} else := []
