# METADATA
# title: Kong's ip-restriction must not allow the whole internet
# description: >-
#   Kong's ip-restriction plugin admits a request when its client address is in
#   config.allow (addresses or CIDRs, IPv4 or IPv6) and refuses the rest
#   (developer.konghq.com/plugins/ip-restriction/). An allow list whose CIDRs together
#   cover every public IPv4 or every public IPv6 address restricts nothing: 0.0.0.0/0,
#   ::/0, the halves 0.0.0.0/1 + 128.0.0.0/1, host bits set (1.2.3.4/0) or any other
#   union lib.net computes (the union NetworkPolicy checks use). Warned on configuration.konghq.com KongPlugins and KongClusterPlugins with
#   plugin ip-restriction: the plugin may be one layer among others, and the warning
#   says the layer is empty. Each family is judged from the entries written in its
#   notation (Kong matches an IPv4 client against IPv4 entries and an IPv6 client
#   against IPv6 ones, through lua-resty-ipmatcher: Kong/kong
#   kong/plugins/ip-restriction/handler.lua), so ::ffff:0:0/96 is not IPv4's world
#   here, while ::/1 + 8000::/1 is IPv6's. An allow list read from a Secret (configFrom,
#   configPatches) is warned as not judged. Single addresses are not read; CIDRs
#   lib.net cannot parse are skipped (Kong refuses them). Disabled plugins are not
#   judged.
# custom:
#   kinds: [configuration.konghq.com/KongPlugin, configuration.konghq.com/KongClusterPlugin]
#   severity: medium
#   field: config.allow
#   remediation: >-
#     List only the client networks that need access in config.allow.
package kong.ip_restriction_world

import data.lib.kong
import data.lib.kubernetes as k8s
import data.lib.net

warn contains msg if {
	applies
	some family in world_families
	msg := sprintf(
		"%s: ip-restriction config.allow (%s) admits every public %s address, so it restricts nothing; list only the client networks that need access",
		[kong.display, concat(", ", cidrs), family],
	)
}

warn contains msg if {
	applies
	kong.hidden("allow")
	msg := sprintf(
		"%s: ip-restriction reads config.allow from a Secret (%s), which apiguard cannot read, so whether it admits the whole internet cannot be judged; keep the allow list in config",
		[kong.display, kong.secret_source],
	)
}

applies if {
	k8s.is_check
	kong.plugin_kind
	kong.plugin == "ip-restriction"
	not kong.disabled
}

cidrs := [v | some v in k8s.array_at(kong.config, "allow"); is_string(v); contains(v, "/"); net.parse_cidr(v)]

# Each family from the entries written in its notation: Kong's matcher compares an
# IPv4 client with the IPv4 entries and an IPv6 client with the IPv6 ones.
v4 := [{"cidr": c, "except": []} | some c in cidrs; not contains(c, ":")]

v6 := [{"cidr": c, "except": []} | some c in cidrs; contains(c, ":")]

world := net.open_public([{"cidr": "::/0", "except": []}])

world_families contains "IPv4" if {
	count(v4) > 0
	net.open_public(v4).ipv4 >= world.ipv4
}

world_families contains "IPv6" if {
	count(v6) > 0
	net.open_public(v6).ipv6 >= world.ipv6
}
