# METADATA
# title: Envoy Gateway SecurityPolicy authorization must not allow every client
# description: >-
#   Envoy Gateway evaluates spec.authorization.rules in order, the first match wins,
#   and a request no rule matches gets defaultAction, Deny when unset
#   (api/v1alpha1/authorization_types.go; internal/gatewayapi/securitypolicy.go
#   buildAuthorization). Denied: defaultAction Allow with no rule whose action is
#   Deny (nothing is refused); and Allow rules that admit every client: a rule whose
#   only principal is clientCIDRs, with no cel, whose CIDRs, together with those of
#   the other such rules, admit more public address space than a bound
#   (envoyGateway.clientCIDRBound, default {ipv4: 8, ipv6: 24}: one /8 of IPv4, one
#   /24 of IPv6). The union is computed by lib.net, so 0.0.0.0/0, 0.0.0.0/00, ::/0,
#   ::ffff:0.0.0.0/96 (Go's net.ParseCIDR, which internal/gatewayapi/helpers.go
#   parseCIDR calls, reads it as 0.0.0.0/0), two /1 halves or many /8s all count;
#   private, loopback and other non-public ranges do not. A rule with a cel that is a constant true
#   ("true", "(true)", "!false") and no principal also admits every client. A
#   principal's members are ANDed (Principal: "all principals must match"), so a rule
#   that also needs principal.jwt, headers or clientIPGeoLocations, or a cel that is
#   not constant, is not judged. Such a rule narrowed by operation.path to part of the
#   paths (not inverted, not PathPrefix "/" nor a catch-all regular expression) is a
#   deliberate public endpoint: warned, not denied. Unparsable CIDRs are skipped:
#   Envoy Gateway fails the policy's routes closed with a 500 (parseCIDR error).
#   Namespaces matching a glob in envoyGateway.allowAllNamespaces (default []) are
#   exempt.
# custom:
#   kinds: [gateway.envoyproxy.io/SecurityPolicy]
#   severity: high
#   field: spec.authorization
#   remediation: >-
#     Leave defaultAction unset (Deny) and allow only the client CIDRs, JWT claims or
#     headers that need access; add Deny rules if defaultAction must stay Allow.
package envoygateway.authorization_allow_all

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s
import data.lib.net

deny contains msg if {
	applies
	eg.default_action(auth) == "Allow"
	not has_deny_rule
	msg := sprintf(
		"%s: spec.authorization.defaultAction is Allow and no rule has action Deny, so every request is allowed; leave defaultAction unset (Deny) and add Allow rules for the clients that need access",
		[k8s.display],
	)
}

deny contains msg if {
	applies
	some i in broad
	not has_cidrs(rules[i])
	msg := sprintf(
		"%s: spec.authorization.rules[%d] allows every client (action Allow, cel %q, no principal), so the authorization admits any request; restrict the rule with principal.clientCIDRs, jwt or headers",
		[k8s.display, i, object.get(rules[i], "cel", "")],
	)
}

deny contains msg if {
	applies
	some key, open in opened
	open > 0
	some f in families
	f.key == key
	open > f.max
	msg := sprintf(
		"%s: the principal.clientCIDRs of the Allow rule(s) %s together admit %s public %s addresses (a /%d or more), more than one /%d (envoyGateway.clientCIDRBound.%s), so practically any internet client is allowed; list only the client CIDRs that need access, or require principal.jwt or headers in the same rule",
		[k8s.display, rule_list(broad_cidr), size_text(open, f), f.name, net.prefix_of_size(open, f.width), f.bound, f.key],
	)
}

warn contains msg if {
	applies
	some i, rule in rules
	rule.action == "Allow"
	not restricted(rule)
	narrowed(rule)
	world_rule(rule)
	msg := sprintf(
		"%s: spec.authorization.rules[%d] allows every client (or more public space than envoyGateway.clientCIDRBound) on path %q, so that path is public; make sure it is meant to be, or require principal.jwt or headers",
		[k8s.display, i, object.get(rule.operation.path, "value", "/")],
	)
}

applies if {
	eg.judged("SecurityPolicy")
	is_object(auth)
	not eg.exempt("allowAllNamespaces")
}

auth := k8s.spec.authorization

rules := k8s.array_at(auth, "rules")

has_deny_rule if {
	some rule in rules
	rule.action == "Deny"
}

# restricted(rule): the rule needs something of the client besides its address.
restricted(rule) if {
	is_string(rule.cel)
	not constant_true(rule.cel)
}

restricted(rule) if {
	some key in ["jwt", "headers", "clientIPGeoLocations"]
	rule.principal[key] != null
}

constant_true(cel) if replace(replace(replace(cel, " ", ""), "(", ""), ")", "") in {"true", "!false"}

has_cidrs(rule) if count(k8s.array_at(object.get(rule, "principal", {}), "clientCIDRs")) > 0

# broad lists the Allow rules that admit clients by address alone, on every path.
broad := [i |
	some i, rule in rules
	rule.action == "Allow"
	not restricted(rule)
	not narrowed(rule)
]

broad_cidr := [i | some i in broad; has_cidrs(rules[i])]

# narrowed(rule): operation.path limits the rule to part of the paths.
narrowed(rule) if {
	p := rule.operation.path
	is_object(p)
	not p.invert == true
	not catch_all(object.get(p, "type", "PathPrefix"), object.get(p, "value", "/"))
}

catch_all("PathPrefix", v) if trim_right(v, "/") == ""

catch_all("RegularExpression", v) if v in {".*", "/.*", ".+", "/.+", "^.*$", "^/.*$", "(.*)", "/(.*)", "^/.*", "^.*"}

# world_rule(rule): a rule with no CIDRs, or CIDRs over the bound on their own.
world_rule(rule) if not has_cidrs(rule)

world_rule(rule) if {
	ps := peers([rule])
	not within_bounds([p.cidr | some p in ps])
	open := net.open_public(ps)
	some f in families
	open[f.key] > f.max
}

# within_bounds(cidrs) holds when the CIDRs cannot add up to more than a bound of
# either family, so lib.net need not be asked (it costs about 150 µs a call, and a
# policy with thousands of path rules, each for an office's /24, called it once per
# rule; issue 19). A union holds at most the sum of its CIDRs' sizes, and k CIDRs of at
# most 2^(w - bound - ceil(log2 k)) addresses each sum to at most 2^(w - bound), the
# family's max. A CIDR whose width is not read here (any other spelling: "/00", spaces)
# sends the rule to lib.net.
within_bounds(cidrs) if {
	slack := ceil_log2(count(cidrs))
	every c in cidrs {
		w := host_bits(c)
		w.ipv4 + slack <= 32 - ipv4_bound
		w.ipv6 + slack <= 128 - ipv6_bound
	}
}

# host_bits(c) bounds the addresses a CIDR can open in each family, as powers of two:
# an IPv4 a.b.c.d/p at most 2^(32-p) (counted for IPv6 too, to stay an upper bound); an
# IPv6 x/p at most 2^(128-p) IPv6 addresses, and IPv4 ones (lib.net counts
# ::ffff:0:0/96 and 64:ff9b::/96 as IPv4) only when it can reach those blocks.
host_bits(c) := {"ipv4": 32 - p, "ipv6": 32 - p} if {
	regex.match(`^[0-9]{1,3}(\.[0-9]{1,3}){3}/(0|[1-9][0-9]?)$`, c)
	p := to_number(split(c, "/")[1])
	p <= 32
} else := {"ipv4": ipv4_bits_of_ipv6(c, p), "ipv6": 128 - p} if {
	regex.match(`^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/(0|[1-9][0-9]{0,2})$`, c)
	p := to_number(split(c, "/")[1])
	p <= 128
}

# ipv4_bits_of_ipv6(c, p): both IPv4 blocks lie under a first group of 0 or 0x64, so a
# /16 or longer whose first group is another one reaches neither (0); otherwise at most
# 2^min(128-p, 32) (a block of 2^32 addresses or fewer lies in one /96).
ipv4_bits_of_ipv6(c, p) := 0 if {
	p >= 16
	group := trim_left(lower(split(c, ":")[0]), "0")
	not group in {"", "64"}
} else := min([128 - p, 32])

# ceil_log2(k) is the smallest e with 2^e >= k (0 for k <= 1).
ceil_log2(k) := 0 if k <= 1

else := count(format_int(k - 1, 2))

peers(rs) := [{"cidr": c, "except": []} | some rule in rs; some c in rule.principal.clientCIDRs; is_string(c)]

opened := net.open_public(ps) if {
	ps := peers([rules[i] | some i in broad_cidr])
	count(ps) > 0
} else := {"ipv4": 0, "ipv6": 0}

rule_list(idx) := concat(", ", [sprintf("spec.authorization.rules[%d]", [i]) | some i in idx])

families := [
	{"key": "ipv4", "name": "IPv4", "width": 32, "bound": ipv4_bound, "max": net.pow2(32 - ipv4_bound)},
	{"key": "ipv6", "name": "IPv6", "width": 128, "bound": ipv6_bound, "max": net.pow2(128 - ipv6_bound)},
]

size_text(n, f) := sprintf("%d", [n]) if f.key == "ipv4"

else := "many"

ipv4_bound := bound("ipv4", 32, 8)

ipv6_bound := bound("ipv6", 128, 24)

bound(key, width, fallback) := v if {
	v := eg.setting("clientCIDRBound", {})[key]
	is_number(v)
	v == floor(v)
	v >= 0
	v <= width
} else := fallback
