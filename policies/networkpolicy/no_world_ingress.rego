# METADATA
# title: NetworkPolicy must not admit ingress from the whole internet
# description: >-
#   Denies an ingress from peer whose ipBlock.cidr covers every address:
#   0.0.0.0/0, ::/0 or any other spelling of them (0::0/0, 1.2.3.4/0,
#   ::ffff:0.0.0.0/96). An except list does not change the verdict: the rest of
#   the internet is still admitted. With
#   data.apiguard.config.networkpolicy.minPrefixLength set to N (default 0), a
#   public CIDR whose prefix length is N or less is denied too, e.g. 16 denies
#   1.0.0.0/8 and 8.8.0.0/16 but not 10.0.0.0/8 (ranges inside private, CGNAT,
#   loopback or link-local space are never "broad public").
#   minPrefixLengthIPv6 (default: minPrefixLength) does the same for IPv6.
#   Namespaces matching a glob in worldIngressNamespaces (default []) are exempt.
#   Ingress rules of a policy whose policyTypes leave out Ingress have no effect
#   and are not checked.
# custom:
#   kinds: [NetworkPolicy]
#   severity: high
#   field: spec.ingress
#   remediation: >-
#     Replace the ipBlock with the CIDRs of the clients that need access, or
#     with a namespaceSelector/podSelector for the ingress controller.
package networkpolicy.no_world_ingress

import data.lib.kubernetes as k8s

deny contains msg if {
	some [i, j, cidr] in checked_cidrs
	world(cidr)
	msg := sprintf(
		"%s: spec.ingress[%d].from[%d].ipBlock.cidr %q admits traffic from every address on the internet (an except list does not change that); allow only the client CIDRs that need access, or select the ingress controller with a namespaceSelector/podSelector",
		[k8s.display, i, j, cidr],
	)
}

deny contains msg if {
	some [i, j, cidr] in checked_cidrs
	not world(cidr)
	broad_public(cidr)
	msg := sprintf(
		"%s: spec.ingress[%d].from[%d].ipBlock.cidr %q is a public range with a prefix of /%d or shorter; allow only the client CIDRs that need access",
		[k8s.display, i, j, cidr, max_prefix(cidr)],
	)
}

applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "NetworkPolicy"
	ingress_enforced
	not k8s.namespace_in(exempt_namespaces)
}

# checked_cidrs holds [i, j, cidr] for each valid spec.ingress[i].from[j].ipBlock.cidr.
checked_cidrs contains [i, j, cidr] if {
	applies
	some i, rule in k8s.array_at(k8s.spec, "ingress")
	is_object(rule)
	some j, peer in k8s.array_at(rule, "from")
	cidr := peer.ipBlock.cidr
	is_string(cidr)
	net.cidr_is_valid(cidr)
}

# Ingress is enforced when policyTypes is unset (the API server then always
# includes Ingress) or lists it.
ingress_enforced if count(policy_types) == 0

ingress_enforced if "Ingress" in policy_types

policy_types := k8s.array_at(k8s.spec, "policyTypes")

# cidr_contains normalises IPv4-mapped IPv6, so ::ffff:0.0.0.0/96 counts as
# containing 0.0.0.0/0.
world(cidr) if net.cidr_contains(cidr, "0.0.0.0/0")

world(cidr) if net.cidr_contains(cidr, "::/0")

non_public := [
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7", "fe80::/10",
]

broad_public(cidr) if {
	prefix_length(cidr) <= max_prefix(cidr)
	not within_non_public(cidr)
}

within_non_public(cidr) if {
	some range in non_public
	net.cidr_contains(range, cidr)
}

ipv4_mapped(cidr) if {
	contains(cidr, ":")
	net.cidr_contains("::ffff:0.0.0.0/96", cidr)
}

ipv6(cidr) if {
	contains(cidr, ":")
	not ipv4_mapped(cidr)
}

# The prefix length in the address family the CIDR really selects: an
# IPv4-mapped IPv6 CIDR ::ffff:a.b.c.d/n selects the IPv4 range /(n-96).
prefix_length(cidr) := n - 96 if {
	ipv4_mapped(cidr)
	n := to_number(split(cidr, "/")[1])
} else := to_number(split(cidr, "/")[1])

max_prefix(cidr) := ipv6_max_prefix if ipv6(cidr)

else := ipv4_max_prefix

valid_prefix_setting(v) if {
	is_number(v)
	v == floor(v)
	v >= 0
	v <= 128
}

ipv4_max_prefix := v if {
	v := k8s.setting(["networkpolicy", "minPrefixLength"], 0)
	valid_prefix_setting(v)
} else := 0

ipv6_max_prefix := v if {
	v := k8s.setting(["networkpolicy", "minPrefixLengthIPv6"], null)
	valid_prefix_setting(v)
} else := v if {
	v := k8s.setting(["networkpolicy", "minPrefixLength"], 0)
	valid_prefix_setting(v)
} else := 0

# Malformed configuration (not a list of strings) means no exemptions.
exempt_namespaces := globs if {
	globs := k8s.setting(["networkpolicy", "worldIngressNamespaces"], [])
	is_array(globs)
	every g in globs {
		is_string(g)
	}
} else := []
