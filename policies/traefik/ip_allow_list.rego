# METADATA
# title: Traefik IP allow lists must restrict clients
# description: >-
#   A Middleware or MiddlewareTCP (traefik.io) whose ipAllowList (or the deprecated
#   ipWhiteList Traefik v3.7.13 still reads) sourceRange admits the whole public IPv4
#   or IPv6 internet (as much public IPv6 as a /4: 2000::/3 is the global unicast
#   space) is warned:
#   0.0.0.0/0, ::/0 (which holds every IPv4-mapped address), 2000::/3, and unions that amount to it (0.0.0.0/1 + 128.0.0.0/1), computed with
#   lib.net; Traefik accepts plain addresses as well as CIDRs (pkg/ip/checker.go
#   NewChecker), read here as /32 and /128. Such a list protects nothing. An
#   ipStrategy that takes the client address from X-Forwarded-For is warned too:
#   depth picks the depth-th address from the right (pkg/ip/strategy.go
#   DepthStrategy) and excludedIPs the first one from the right not excluded
#   (PoolStrategy); only addresses appended by proxies the entry point trusts
#   (forwardedHeaders.trustedIPs) are real, everything to their left is what the
#   client wrote, and with forwardedHeaders.insecure all of it is
#   (pkg/middlewares/forwardedheaders). depth above
#   data.apiguard.config.traefik.trustedProxyHops (default 0: nothing known about
#   the proxies in front) and excludedIPs with no trusted hops are warned.
#   Namespaces in traefik.ipAllowListNamespaces (globs) are exempt.
# custom:
#   kinds: [traefik.io/Middleware, traefik.io/MiddlewareTCP]
#   severity: medium
#   field: spec.ipAllowList.sourceRange
#   remediation: >-
#     List only the client ranges that need access; read the client address from
#     the connection (no ipStrategy) unless trusted proxies append it.
package traefik.ip_allow_list

import data.lib.kubernetes as k8s
import data.lib.net
import data.lib.traefik

warn contains msg if {
	some field in fields
	ranges := [to_cidr(r) | some r in k8s.array_at(k8s.spec[field], "sourceRange"); is_string(r)]
	count(ranges) > 0
	open := net.open_public([{"cidr": c} | some c in ranges])
	families := [text[f] | some f in ["IPv4", "IPv6"]; world(open, f)]
	count(families) > 0
	msg := sprintf(
		"%s: spec.%s.sourceRange admits %s, so the allow list lets the whole internet in; list only the client ranges that need access",
		[k8s.display, field, concat(" and ", families)],
	)
}

warn contains msg if {
	some field in fields
	depth := k8s.spec[field].ipStrategy.depth
	is_number(depth)
	depth > hops
	msg := sprintf(
		"%s: spec.%s.ipStrategy.depth is %v, so Traefik takes the client address from the %v-th X-Forwarded-For entry from the right, which the client writes itself unless %v proxies that the entry point trusts append it (traefik.trustedProxyHops is %v); a client can then claim an allowed address. Remove ipStrategy, or set depth to the number of trusted proxies in front of Traefik",
		[k8s.display, field, depth, depth, depth, hops],
	)
}

warn contains msg if {
	some field in fields
	excluded := k8s.array_at(k8s.spec[field].ipStrategy, "excludedIPs")
	count(excluded) > 0
	not uses_depth(field)
	hops == 0
	msg := sprintf(
		"%s: spec.%s.ipStrategy.excludedIPs makes Traefik take the client address from X-Forwarded-For, which the client writes itself unless a proxy the entry point trusts appends it (traefik.trustedProxyHops is 0); remove ipStrategy, or set traefik.trustedProxyHops if trusted proxies front Traefik",
		[k8s.display, field],
	)
}

fields contains f if {
	k8s.is_check
	k8s.group == traefik.group
	k8s.kind in {"Middleware", "MiddlewareTCP"}
	not k8s.namespace_in(traefik.setting("ipAllowListNamespaces", []))
	some f in ["ipAllowList", "ipWhiteList"]
	is_object(k8s.spec[f])
}

text := {"IPv4": "every public IPv4 address", "IPv6": "as much global IPv6 as a /4 or more"}

hops := h if {
	h := traefik.setting("trustedProxyHops", 0)
	is_number(h)
} else := 0

to_cidr(r) := r if contains(r, "/")

else := concat("", [r, "/128"]) if contains(r, ":")

else := concat("", [r, "/32"])

world(open, "IPv4") if open.ipv4 >= net.public_v4_total

# 2000::/3 is the global unicast space IANA allocates from; public space as large as
# a /4 of it counts as the IPv6 world.
world(open, "IPv6") if open.ipv6 >= net.pow2(124)

uses_depth(field) if k8s.spec[field].ipStrategy.depth > 0
