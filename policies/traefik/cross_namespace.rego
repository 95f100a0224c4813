# METADATA
# title: Traefik routes must not reach into other namespaces
# description: >-
#   A Service reference (traefik.io: an IngressRoute or IngressRouteTCP route's
#   services, a TraefikService's weighted, highestRandomWeight, mirroring and failover
#   services, a Middleware's errors.service) whose namespace is not the object's own, or whose name is a `<id>@kubernetescrd` reference (the
#   provider-qualified spelling of another namespace's object), publishes another
#   team's Service on this team's route: denied, unless
#   data.apiguard.config.traefik.crossNamespaceServices (globs of route namespaces,
#   ["*"] for all) allows it. Traefik's own allowCrossNamespace provider option is off
#   by default and then refuses both (traefik/traefik v3.7.13
#   pkg/provider/kubernetes/crd/kubernetes.go isNamespaceAllowed, resolveReference:
#   "when allowCrossNamespace is disabled, @kubernetescrd references are disallowed";
#   doc.traefik.io/traefik/v3.7/reference/install-configuration/providers/kubernetes/kubernetes-crd/);
#   platforms that turn it on rely on admission for the rest. A middleware of another
#   namespace (a route's or a service's middlewares, a chain Middleware's middlewares;
#   namespace, or @kubernetescrd) is warned: the route then runs code its
#   namespace does not control (that namespace can change or remove its auth at any
#   time); namespaces in traefik.sharedMiddlewareNamespaces (globs, e.g. the platform's
#   own) are not warned. Other providers' objects (`name@file`, `api@internal`) are
#   warned too: api@internal is Traefik's own API and dashboard. A serversTransport
#   named `<id>@kubernetescrd` (another namespace's ServersTransport, with its client
#   certificates) and a parentRefs entry in another namespace (the child's routes are
#   served under that namespace's host; traefik.crossNamespaceParents allows it) are
#   denied.
# custom:
#   kinds: [traefik.io/IngressRoute, traefik.io/IngressRouteTCP, traefik.io/TraefikService, traefik.io/Middleware]
#   severity: high
#   field: spec.routes[].services[].namespace
#   remediation: >-
#     Route only to Services of the route's own namespace; let the owning team
#     publish its Service from its namespace.
package traefik.cross_namespace

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	applies
	some [where, ref] in services
	target := other_namespace(ref)
	not k8s.namespace_in(traefik.setting("crossNamespaceServices", []))
	msg := sprintf(
		"%s: %s sends traffic to a Service of %s, so this namespace publishes another team's Service (Traefik refuses it unless allowCrossNamespace is on); route to a Service in %q, or ask the platform to list this namespace in traefik.crossNamespaceServices",
		[k8s.display, where, target, k8s.namespace],
	)
}

# A serversTransport of another namespace carries that namespace's client certificates
# (certificatesSecrets) and trust: makeServersTransportKey refuses `@kubernetescrd`
# names unless allowCrossNamespace is on.
deny contains msg if {
	applies
	some [where, ref] in services
	st := ref.serversTransport
	is_string(st)
	endswith(st, "@kubernetescrd")
	not k8s.namespace_in(traefik.setting("crossNamespaceServices", []))
	msg := sprintf(
		"%s: %s.serversTransport %q names another namespace's ServersTransport, whose client certificates and trusted CAs this namespace would then use towards backends it chooses; use a ServersTransport of %q by its plain name",
		[k8s.display, where, st, k8s.namespace],
	)
}

# A child IngressRoute is served under its parents' routers (kubernetes_http.go
# resolveParentRouterNames; cross-namespace only with allowCrossNamespace): a parent in
# another namespace lends its host, so this namespace would add paths to that
# namespace's host.
deny contains msg if {
	applies
	k8s.kind == "IngressRoute"
	some i, parent in k8s.array_at(k8s.spec, "parentRefs")
	is_string(parent.namespace)
	parent.namespace != ""
	parent.namespace != k8s.namespace
	not k8s.namespace_in(traefik.setting("crossNamespaceParents", []))
	msg := sprintf(
		"%s: spec.parentRefs[%d] attaches the routes under IngressRoute %s/%v, so this namespace adds paths to the hosts of namespace %q; attach to a parent IngressRoute of %q, or ask the platform to list this namespace in traefik.crossNamespaceParents",
		[k8s.display, i, parent.namespace, object.get(parent, "name", ""), parent.namespace, k8s.namespace],
	)
}

warn contains msg if {
	applies
	some [where, ref] in middlewares
	target := other_namespace(ref)
	not shared_middleware(ref)
	msg := sprintf(
		"%s: %s uses a Middleware of %s, which that namespace can change or remove at any time (its authentication included); use a Middleware of %q or one from a namespace listed in traefik.sharedMiddlewareNamespaces",
		[k8s.display, where, target, k8s.namespace],
	)
}

warn contains msg if {
	applies
	some [where, name] in provider_names
	contains(name, "@")
	not endswith(name, "@kubernetescrd")
	msg := sprintf(
		"%s: %s names %q, an object of another Traefik provider (api@internal is Traefik's API and dashboard), which apiguard cannot judge; reference objects of the route's own namespace",
		[k8s.display, where, name],
	)
}

provider_names := array.concat(
	[[where, ref.name] | some [where, ref] in array.concat(services, middlewares); is_string(ref.name)],
	[[concat("", [where, ".serversTransport"]), ref.serversTransport] | some [where, ref] in services; is_string(ref.serversTransport)],
)

applies if {
	k8s.is_check
	k8s.group == traefik.group
	k8s.kind in {"IngressRoute", "IngressRouteTCP", "TraefikService", "Middleware"}
}

# Where each kind names Services (LoadBalancerSpec: name, namespace) and Middlewares.
services := route_services if k8s.kind in {"IngressRoute", "IngressRouteTCP"}

else := traefik_service_services if k8s.kind == "TraefikService"

else := [["spec.errors.service", k8s.spec.errors.service]] if {
	k8s.kind == "Middleware"
	is_object(k8s.spec.errors.service)
} else := []

middlewares := array.concat(route_middlewares, service_middlewares) if k8s.kind in {"IngressRoute", "IngressRouteTCP"}

else := service_middlewares if k8s.kind == "TraefikService"

else := [[sprintf("spec.chain.middlewares[%d]", [j]), m] |
	k8s.kind == "Middleware"
	some j, m in k8s.array_at(k8s.spec.chain, "middlewares")
	is_object(m)
]

route_services := [[sprintf("spec.routes[%d].services[%d]", [i, j]), s] |
	some i, route in k8s.array_at(k8s.spec, "routes")
	some j, s in k8s.array_at(route, "services")
	is_object(s)
]

route_middlewares := [[sprintf("spec.routes[%d].middlewares[%d]", [i, j]), m] |
	some i, route in k8s.array_at(k8s.spec, "routes")
	some j, m in k8s.array_at(route, "middlewares")
	is_object(m)
]

service_middlewares := [[sprintf("%s.middlewares[%d]", [where, l]), m] |
	some [where, s] in services
	some l, m in k8s.array_at(s, "middlewares")
	is_object(m)
]

# A TraefikService balances, mirrors or fails over between Services
# (kubernetes_http.go buildServicesLB, buildMirroring; the CRD's weighted,
# highestRandomWeight, mirroring and failover).
traefik_service_services := array.concat(
	array.concat(
		[[sprintf("spec.%s.services[%d]", [key, j]), s] |
			some key in ["weighted", "highestRandomWeight"]
			some j, s in k8s.array_at(k8s.spec[key], "services")
			is_object(s)
		],
		[[sprintf("spec.mirroring.mirrors[%d]", [j]), s] |
			some j, s in k8s.array_at(k8s.spec.mirroring, "mirrors")
			is_object(s)
		],
	),
	[[where, s] |
		some [where, s] in [
			["spec.mirroring", object.get(k8s.spec, "mirroring", null)],
			["spec.failover.service", object.get(k8s.spec, ["failover", "service"], null)],
			["spec.failover.fallback", object.get(k8s.spec, ["failover", "fallback"], null)],
		]
		is_object(s)
	],
)

# An empty namespace is the route's own (namespaceOrParentNamespace).
other_namespace(ref) := sprintf("namespace %q", [ref.namespace]) if {
	not is_reference(ref)
	is_string(ref.namespace)
	ref.namespace != ""
	ref.namespace != k8s.namespace
} else := "another namespace (a @kubernetescrd reference)" if is_reference(ref)

is_reference(ref) if {
	is_string(ref.name)
	endswith(ref.name, "@kubernetescrd")
}

shared_middleware(ref) if {
	not is_reference(ref)
	some p in traefik.setting("sharedMiddlewareNamespaces", [])
	glob.match(p, [], ref.namespace)
}
