# METADATA
# title: Host normalisation, route attachment and host ownership
# description: >-
#   How controllers read hosts, written once. Hosts compare in lower case
#   without a trailing dot. A route's effective hostnames are the intersection
#   of its spec.hostnames with the hostnames of the Gateway listeners it
#   attaches to (Gateway API: a route without hostnames serves its listeners'
#   hostnames). A host belongs to the namespace that claimed it first, whatever
#   the path and whatever the kind (Ingress, HTTPRoute, GRPCRoute, an Istio
#   VirtualService bound to a gateway, a Contour root HTTPProxy), unless
#   data.apiguard.config.hosts.shared lists it for both namespaces. Not a
#   policy: it defines no deny, violation, warn or patch rule.
package lib.hosts

import data.lib.kubernetes as k8s

gateway_group := "gateway.networking.k8s.io"

# Route kinds whose spec.hostnames claim hosts. Keep in step with
# hostnameRoutes in pkg/inventory/project.go, which projects their claims.
route_kinds := {"HTTPRoute", "GRPCRoute"}

# --- Normalisation ---------------------------------------------------------------

# normalize is how a host is keyed in data.apiguard.inventory.hosts (see
# NormalizeHost in pkg/inventory): DNS names compare case-insensitively (RFC
# 4343) and "shop.example.com." is the same name as "shop.example.com". The API
# server already refuses upper case and a trailing dot in Ingress hosts
# (IsDNS1123Subdomain) and Gateway API hostnames (the Hostname pattern), so
# this matters for offline input and --data, which it does not validate.
# Undefined for a non-string.
normalize(h) := trim_suffix(lower(trim_space(h)), ".") if is_string(h)

# is_wildcard holds for "*.example.com". A wildcard claim conflicts only with
# the same wildcard: controllers prefer an exact host over a wildcard that
# covers it (nginx server_name, Gateway API hostname precedence), so
# "*.example.com" in one namespace does not take "shop.example.com" from
# another; it is judged by the no-wildcard policies instead.
is_wildcard(h) if startswith(h, "*.")

# intersection(route, listener) is what a route hostname and a listener
# hostname both match, after Gateway API's hostname intersection: "" means any
# hostname; a wildcard "*.example.com" matches every name ending in
# ".example.com" (any number of labels), not "example.com" itself. Undefined
# when they do not intersect, and then the route does not attach there.
intersection(route, listener) := route if {
	listener == ""
} else := listener if {
	route == ""
} else := route if {
	route == listener
} else := route if {
	is_wildcard(listener)
	endswith(route, substring(listener, 1, -1))
} else := listener if {
	is_wildcard(route)
	endswith(listener, substring(route, 1, -1))
}

# --- What an object serves ---------------------------------------------------------

is_ingress if {
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

is_route if {
	k8s.group == gateway_group
	k8s.kind in route_kinds
}

is_virtualservice if {
	k8s.group == "networking.istio.io"
	k8s.kind == "VirtualService"
}

is_httpproxy if {
	k8s.group == "projectcontour.io"
	k8s.kind == "HTTPProxy"
}

is_ingressroute if {
	k8s.group == "traefik.io"
	k8s.kind == "IngressRoute"
}

is_apisixroute if {
	k8s.group == "apisix.apache.org"
	k8s.kind == "ApisixRoute"
}

is_emissary_mapping if {
	k8s.group == "getambassador.io"
	k8s.kind == "Mapping"
}

is_emissary_host if {
	k8s.group == "getambassador.io"
	k8s.kind == "Host"
}

spec_of(obj) := s if {
	s := obj.spec
	is_object(s)
} else := {}

namespace_of(obj) := ns if {
	ns := obj.metadata.namespace
	is_string(ns)
	ns != ""
} else := k8s.namespace

# declared(obj) are the hosts obj names itself: an Ingress's rule hosts, a
# route's spec.hostnames; normalised, without "".
declared(obj) := {h |
	some rule in k8s.array_at(spec_of(obj), "rules")
	h := normalize(rule.host)
	h != ""
} if {
	is_ingress
} else := vs_hosts(obj) if {
	is_virtualservice
} else := {h |
	# Contour serves a root HTTPProxy's virtualhost.fqdn; an included HTTPProxy has no
	# virtualhost and claims nothing of its own.
	h := normalize(spec_of(obj).virtualhost.fqdn)
	h != ""
} if {
	is_httpproxy
} else := traefik_hosts(obj) if {
	is_ingressroute
} else := claimable({raw |
	some r in k8s.array_at(spec_of(obj), "http")
	some raw in k8s.array_at(object.get(r, "match", {}), "hosts")
}) if {
	is_apisixroute
} else := mapping_hosts(obj) if {
	is_emissary_mapping
} else := claimable({object.get(spec_of(obj), "hostname", "")}) if {
	is_emissary_host
} else := {h |
	some raw in k8s.array_at(spec_of(obj), "hostnames")
	h := normalize(raw)
	h != ""
}

# vs_hosts(obj) are the hosts a VirtualService claims: spec.hosts when it is bound
# to a gateway other than "mesh" (without gateways, or with only "mesh", it routes
# sidecar traffic inside the mesh and exposes nothing: Istio's
# VirtualService.gateways reference, istio.io/latest/docs/reference/config/networking/virtual-service/).
# "*" is left to the wildcard check; a short name without a dot is Istio's name
# for a Service of the VirtualService's own namespace (reviews is
# reviews.<namespace>.svc.cluster.local), which no other namespace can take.
# Agrees with virtualServiceHosts in pkg/inventory/mesh.go.
vs_hosts(obj) := {h |
	some raw in k8s.array_at(spec_of(obj), "hosts")
	h := normalize(raw)
	h != "*"
	contains(h, ".")
} if {
	some g in k8s.array_at(spec_of(obj), "gateways")
	g != "mesh"
} else := set()

# Gateway parentRefs default to group gateway.networking.k8s.io and kind
# Gateway, and to the route's namespace.
is_gateway_ref(ref) if {
	is_object(ref)
	object.get(ref, "group", gateway_group) == gateway_group
	object.get(ref, "kind", "Gateway") == "Gateway"
}

ref_key(obj, ref) := sprintf("%s/%s", [ref_namespace(obj, ref), object.get(ref, "name", "")])

ref_namespace(obj, ref) := ns if {
	ns := ref.namespace
	is_string(ns)
	ns != ""
} else := namespace_of(obj)

gateway(key) := g if {
	g := data.apiguard.inventory.gateways[key]
	is_object(g)
}

# ref_listeners(obj, ref) are the listeners of the referenced Gateway (it must
# be in the inventory) that the route can attach to: those named by
# sectionName and on port when the ref sets them, that accept the route's kind
# and, as far as apiguard can tell, its namespace. A Selector is assumed to
# match (namespace labels are not in the inventory): including a listener only
# ever widens what the route is judged to serve.
ref_listeners(obj, ref) := [l |
	some l in k8s.array_at(gateway(ref_key(obj, ref)), "listeners")
	is_object(l)
	section_matches(ref, l)
	port_matches(ref, l)
	accepts_kind(l)
	accepts_namespace(obj, ref, l)
]

# A helper's argument is evaluated before "not", so read optional fields with a
# default: not is_string(ref.sectionName) fails when the field is missing.
section_matches(ref, _) if not is_string(object.get(ref, "sectionName", null))

section_matches(ref, l) if ref.sectionName == l.name

port_matches(ref, _) if not ref.port

port_matches(ref, l) if to_number(ref.port) == to_number(l.port)

# Listeners take the route kinds they list in allowedRoutes.kinds; without a
# list, the kinds of their protocol: HTTP and HTTPS carry HTTPRoute and
# GRPCRoute, TLS, TCP and UDP do not. An unknown protocol is assumed to accept.
accepts_kind(l) if {
	kinds := l.allowedRouteKinds
	is_array(kinds)
	count(kinds) > 0
	k8s.kind in kinds
}

accepts_kind(l) if {
	not non_empty_array(object.get(l, "allowedRouteKinds", []))
	not object.get(l, "protocol", "") in {"TLS", "TCP", "UDP"}
}

non_empty_array(a) if {
	is_array(a)
	count(a) > 0
}

# allowedRoutes.namespaces.from defaults to Same.
accepts_namespace(obj, ref, l) if {
	object.get(l, "allowedRoutesFrom", "Same") == "Same"
	ref_namespace(obj, ref) == namespace_of(obj)
}

accepts_namespace(_, _, l) if l.allowedRoutesFrom in {"All", "Selector"}

# ref_hosts(obj, ref) is what the route serves through one parentRef: for each
# listener it attaches to, the intersection of each of its hostnames (or of
# "any", when it has none) with the listener's hostname (or "any"). "" in the
# set means any hostname. Empty when the Gateway is unknown, or no listener
# matches or intersects.
ref_hosts(obj, ref) := {h |
	some l in ref_listeners(obj, ref)
	listener_host := listener_hostname(l)
	some route_host in route_hosts_or_any(obj)
	h := intersection(route_host, listener_host)
}

listener_hostname(l) := h if {
	h := normalize(l.hostname)
} else := ""

route_hosts_or_any(obj) := {""} if {
	count(declared(obj)) == 0
} else := declared(obj)

# resolved(obj, ref) holds when apiguard knows what the route serves through
# ref: the Gateway is in the inventory and the route attaches to one of its
# listeners. Otherwise policies fall back to spec.hostnames alone.
resolved(obj, ref) if count(ref_hosts(obj, ref)) > 0

# served(obj) are the hosts obj serves: an Ingress's rule hosts; a route's
# spec.hostnames and the listener hostnames they narrow to (a route without
# hostnames, or with "*.example.com", on a listener for "shop.example.com"
# serves "shop.example.com"). Never "".
served(obj) := declared(obj) if {
	is_ingress
} else := declared(obj) | {h |
	some ref in k8s.array_at(spec_of(obj), "parentRefs")
	is_gateway_ref(ref)
	some h in ref_hosts(obj, ref)
	h != ""
}

# traefik_hosts(obj) are the hosts a Traefik IngressRoute's rules match with Host(...):
# Host or v2's HostHeader in any case (not HostSNI or HostRegexp), not negated with "!",
# each backtick- or double-quoted argument (Traefik v2 takes several). The expressions
# are traefikHostCall and traefikHostArg in pkg/inventory/gateways.go, so the webhook's
# inventory and this policy read a rule alike. Host matching is case-insensitive in
# Traefik (pkg/muxer/http: the request host is lowered), as normalize does.
traefik_host_call := `(?:^|[^A-Za-z0-9_!\s])\s*(?i:host|hostheader)\(([^)]*)\)`

traefik_host_arg := "`([^`]*)`|\"([^\"]*)\""

traefik_hosts(obj) := claimable({concat("", [arg[1], arg[2]]) |
	some route in k8s.array_at(spec_of(obj), "routes")
	rule := route.match
	is_string(rule)
	some call in regex.find_all_string_submatch_n(traefik_host_call, rule, -1)
	some arg in regex.find_all_string_submatch_n(traefik_host_arg, call[1], -1)
})

# mapping_hosts(obj) is what an Emissary Mapping claims: its hostname (a DNS glob), else
# its host when that is an exact match (host_regex not true). Agrees with mappingHosts in
# pkg/inventory/gateways.go.
mapping_hosts(obj) := claimable({h}) if {
	h := spec_of(obj).hostname
	is_string(h)
	h != ""
} else := claimable({h}) if {
	h := spec_of(obj).host
	is_string(h)
	not spec_of(obj).host_regex == true
} else := set()

# claimable(hosts) keeps exact names and "*.suffix" wildcards, normalised: "*" and other
# globs are left to the wildcard checks (wildcardOrExact in pkg/inventory/gateways.go).
claimable(hosts) := {h |
	some raw in hosts
	is_string(raw)
	regex.match(`^(\*\.)?[^*?\[\]]+$`, raw)
	h := normalize(raw)
	h != ""
}

# --- Ownership ---------------------------------------------------------------------

# own are the hosts of the object under review, computed once; held are those
# it already served before this request: every host on AUDIT (the object
# exists), the old object's hosts on UPDATE, none on CREATE.
own := served(k8s.resource)

held := own if {
	k8s.is_audit
} else := served(old) if {
	input.request.operation == "UPDATE"
	old := input.request.oldObject
	is_object(old)
} else := set()

claims(host) := c if {
	c := data.apiguard.inventory.hosts[host]
	is_array(c)
} else := []

# foreign(host) are the claims on host by objects in other namespaces. Claims
# without a namespace are skipped: offline, a manifest without one lands
# wherever it is applied, and may be this very object.
foreign(host) := [c |
	some c in claims(host)
	is_object(c)
	is_string(c.namespace)
	c.namespace != ""
	c.namespace != k8s.namespace
	not shared(host, k8s.namespace, c.namespace)
	first(host, c)
]

# first(host, c) holds when claim c came before this object's claim on host.
# A host the object did not serve before is claimed now, after every existing
# claim. A host it already served (UPDATE, AUDIT) is its own unless the other
# claim is older by creationTimestamp (ties go to the smaller namespace/name,
# as controllers break them deterministically); a claim or object whose age is
# unknown counts as older, the safe side.
first(host, _) if not host in held

first(host, c) if {
	host in held
	not mine_first(c)
}

# mine_first holds only when both ages are known and this object is older.
mine_first(c) if {
	theirs := time_of(object.get(c, "created", ""))
	mine := time_of(object.get(k8s.resource, ["metadata", "creationTimestamp"], ""))
	[mine, k8s.namespace, k8s.name] < [theirs, c.namespace, object.get(c, "name", "")]
}

time_of(t) := n if {
	is_string(t)
	t != ""
	n := time.parse_rfc3339_ns(t)
}

# conflicts maps each host of the object that another namespace claimed first
# to the sorted list of those claims ("Kind namespace/name").
#
# A host nobody in the inventory claims is the common case: the direct lookup
# skips it before foreign() walks anything (claims() is [] for it anyway).
conflicts := {host: owners |
	some host in own
	data.apiguard.inventory.hosts[host]
	claimed := foreign(host)
	count(claimed) > 0
	owners := sort({sprintf("%s %s/%s", [object.get(c, "kind", "object"), c.namespace, object.get(c, "name", "<unnamed>")]) | some c in claimed})
}

# --- Shared hosts ------------------------------------------------------------------

# data.apiguard.config.hosts.shared lists hosts several namespaces may serve
# together: [{"host": "api.example.com", "namespaces": ["shop", "payments"]}].
# The host is normalised and matched literally (a wildcard entry shares only
# that wildcard); namespaces are globs. Both namespaces must be listed in one
# entry. Malformed entries are ignored.
shared_config := c if {
	c := k8s.setting(["hosts", "shared"], [])
	is_array(c)
} else := []

# Indexed by host once, so a lookup per host stays cheap with many entries.
shared_index[host] := entries if {
	some e in shared_config
	host := normalize(e.host)
	entries := [n |
		some e2 in shared_config
		normalize(e2.host) == host
		n := e2.namespaces
		is_array(n)
	]
}

shared(host, a, b) if {
	some namespaces in shared_index[host]
	listed(namespaces, a)
	listed(namespaces, b)
}

listed(patterns, ns) if {
	some p in patterns
	is_string(p)
	glob.match(p, [], ns)
}
