# METADATA
# title: Service must not set spec.externalIPs outside the allowed ranges
# description: >-
#   kube-proxy routes traffic for every address in spec.externalIPs to the
#   Service, on every node, whoever owns that address. Anyone who can create a
#   Service can therefore intercept traffic for another tenant's or an external
#   IP (CVE-2020-8554). Denied for every address outside
#   data.apiguard.config.service.allowedExternalIPs (CIDRs or single addresses,
#   IPv4 or IPv6; default [], so every address is denied), the allow-list the
#   CVE's advisory recommends (kubernetes/kubernetes#97076). An IPv4-mapped
#   IPv6 address ("::ffff:203.0.113.10") is the IPv4 address, as kube-proxy
#   reads it (Go's To4). Addresses with leading zeros, which ParseIPSloppy reads
#   as decimal and inet_aton as octal, are never allowed (lib.address), and an
#   allow-list entry that is not an address or CIDR allows nothing. Namespaces
#   matching a glob in
#   service.externalIPNamespaces (default []) may use any address.
# custom:
#   kinds: [Service]
#   severity: high
#   field: spec.externalIPs
#   remediation: >-
#     Remove spec.externalIPs and expose the Service through an Ingress, a
#     Gateway or an internal load balancer, or use an address the platform
#     allows in service.allowedExternalIPs.
package service.no_external_ips

import data.lib.address
import data.lib.kubernetes as k8s

# The cheap condition first: most Services set no externalIPs, and for them
# neither the namespace nor the allow-list is read.
deny contains msg if {
	ips := k8s.array_at(k8s.spec, "externalIPs")
	count(ips) > 0
	applies
	not k8s.namespace_in(exempt_namespaces)
	some ip in ips
	not allowed(ip)
	msg := sprintf(
		"%s: spec.externalIPs contains %v, which makes every node route traffic for that address to this Service (CVE-2020-8554)%s; remove spec.externalIPs and expose the Service through an Ingress, a Gateway or an internal load balancer",
		[k8s.display, ip, allow_list_hint],
	)
}

applies if {
	k8s.is_check
	k8s.group == ""
	k8s.kind == "Service"
}

allowed(ip) if {
	count(allowed_ranges) > 0
	a := address.ip_range(ip)
	some r in allowed_ranges
	address.within(a, r)
}

allowed_ranges := [r | some s in allowed_strings; r := address.range_of(s)]

allow_list_hint := sprintf(" and is not in service.allowedExternalIPs (%s)", [concat(", ", allowed_strings)]) if {
	count(allowed_strings) > 0
} else := ""

allowed_strings := strings_at("allowedExternalIPs")

# Malformed configuration (not a list of strings) means no exemptions and no
# allowed addresses.
exempt_namespaces := strings_at("externalIPNamespaces")

strings_at(key) := v if {
	v := k8s.setting(["service", key], [])
	is_array(v)
	every s in v {
		is_string(s)
	}
} else := []
