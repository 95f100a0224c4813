# METADATA
# title: Tyk listen-path ownership
# description: >-
#   How Tyk Gateway routes a request to an API, written once
#   (TykTechnologies/tyk gateway/api_loader.go). loadHTTPService puts an API with a
#   custom domain (enable_custom_domains and spec.Domain) under
#   router.Host(domain).Subrouter(), and an API without one on the bare router, where
#   it answers on every host; it then registers router.PathPrefix(listenPath), a plain
#   string prefix (gorilla/mux). loadApps registers APIs longest listen path first ("so
#   that /foo doesn't break /foo-bar"), so an API whose listen path extends another's
#   (/api/v2 over /api, /api-admin over /api) takes those requests from it, and two
#   APIs with the same listen path race (sort.Slice is not stable). Unless
#   http_server_options.enable_strict_routes is set (apiguard config
#   tyk.strictRoutes), /api also serves /api-admin. A listen path belongs to the
#   namespace that claimed it first, as hosts do (lib.hosts): the claims are
#   data.apiguard.inventory.listenPaths, from ApiDefinition spec.proxy.listen_path and
#   spec.domain and the status.listenPath and status.domain of TykOasApiDefinition,
#   TykStreamsApiDefinition and TykMcpProxyDefinition (pkg/inventory project). On
#   UPDATE a listen path the API already held keeps its age; a moved one is new
#   (held, pending_document). Not a policy: it defines no deny, violation, warn or
#   patch rule.
package lib.listenpath

import data.lib.hosts
import data.lib.kubernetes as k8s
import data.lib.tyk
import data.lib.tykoas

# tyk.customDomains (default true): the gateways run with enable_custom_domains. When
# false Tyk ignores every API's domain and all APIs share one router.
custom_domains := k8s.setting(["tyk", "customDomains"], true)

# tyk.strictRoutes (default false): http_server_options.enable_strict_routes, under
# which a listen path without a trailing slash serves itself and its subpaths only
# (explicitRouteSubpaths), so /api no longer serves /api-admin.
strict_routes := k8s.setting(["tyk", "strictRoutes"], false)

domain_of(d) := "" if {
	custom_domains != true
} else := hosts.normalize(d) if {
	is_string(d)
} else := ""

claim(path, domain) := {"path": p, "domain": domain_of(domain)} if {
	is_string(path)
	p := trim_space(path)
	p != ""
}

# declared(obj) are the (path, domain) pairs obj claims as stored objects show them:
# an ApiDefinition's spec (unless internal or TCP/TLS: no HTTP route), a Tyk OAS API's
# status (what Tyk Operator applied).
declared(obj) := {c |
	spec := object.get(obj, "spec", {})
	object.get(spec, "internal", false) != true
	not object.get(spec, "protocol", "") in {"tcp", "tls"}
	not unpublished_template(obj)
	c := claim(object.get(spec, ["proxy", "listen_path"], ""), object.get(spec, "domain", ""))
} if {
	obj.kind == "ApiDefinition"
} else := {c |
	status := object.get(obj, "status", {})
	path := object.get(status, "listenPath", "")
	is_string(path)
	path != ""
	c := claim(path, status_domain(status))
} if {
	obj.kind in {"TykOasApiDefinition", "TykStreamsApiDefinition", "TykMcpProxyDefinition"}
} else := set()

# unpublished_template(obj): an ApiDefinition Tyk Operator keeps as an ingress template
# (label template: "true", compared exactly) and has not created on Tyk (no
# status.api_id) serves no route, so it claims no listen path (lib.tyk ingress_template
# has the controller's source). pkg/inventory's projection skips it the same way.
unpublished_template(obj) if {
	object.get(obj, ["metadata", "labels", "template"], "") == "true"
	not published_api_id(obj)
}

published_api_id(obj) if {
	id := object.get(obj, ["status", "api_id"], "")
	is_string(id)
	id != ""
}

status_domain(status) := status.domain.name if {
	status.domain.enabled == true
} else := status.domain if {
	is_string(status.domain)
} else := ""

# doc_claims are what the x-tyk-api-gateway documents under review serve
# (server.listenPath.value; server.customDomain.name when customDomain.enabled).
doc_claims contains c if {
	some d in tykoas.documents
	tykoas.served(d.gw)
	c := claim(object.get(d.gw, ["server", "listenPath", "value"], ""), doc_domain(d.gw))
}

doc_domain(gw) := gw.server.customDomain.name if {
	gw.server.customDomain.enabled == true
} else := ""

# own: what the object under review serves.
own := declared(k8s.resource) if {
	tyk.api_definition
	tyk.served
} else := doc_claims | declared(k8s.resource) if {
	k8s.group in {"tyk.tyk.io", ""}
} else := set()

held := own if {
	k8s.is_audit
} else := (declared(old) | old_docs) | pending_document(old) if {
	input.request.operation == "UPDATE"
	old := input.request.oldObject
	is_object(old)
} else := set()

# pending_document(old): on an UPDATE of a Tyk OAS kind (TykOasApiDefinition,
# TykStreamsApiDefinition, TykMcpProxyDefinition) that Tyk Operator has not reconciled
# yet (the old version has no status.listenPath) and that names the same ConfigMap key
# as before, the document's claims are the ones the API already made: its document was
# judged when the API was admitted and each later write of that ConfigMap is judged
# against the ConfigMap's old document (old_docs; the chart's ConfigMap webhook, on
# Kubernetes 1.30 or later). So the API keeps its listen path by
# age, as an Ingress keeps its hosts (lib.hosts held), instead of losing it to a younger
# claim on every UPDATE. Not when the reference moves to another ConfigMap or key (a new
# document, judged as a new claim), nor when the old version has a status: then what
# Tyk Operator applied (declared(old)) is what the API held, and a document listen path
# that differs from it is a move, judged as new (with no ConfigMap webhook installed,
# ConfigMap writes are not judged, and the status is the only trustworthy record).
pending_document(old) := doc_claims if {
	tykoas.api_object
	object.get(old, "kind", "") == k8s.kind
	not status_listen_path(old)
	old_ref := ref_of(old)
	old_ref == ref_of(k8s.resource)
} else := set()

status_listen_path(obj) if {
	p := obj.status.listenPath
	is_string(p)
	trim_space(p) != ""
}

# ref_of(obj): the ConfigMap key a Tyk OAS kind names, its namespace defaulted to the
# request's (Tyk Operator v1.4.2 CRD: "If Namespace is not provided, we assume that
# the ConfigMap is in the same namespace"; an UPDATE keeps the object's namespace).
ref_of(obj) := [ref_namespace_of(r), r.name, r.keyName] if {
	r := obj.spec[tykoas.ref_fields[obj.kind]].configmapRef
	is_object(r)
}

ref_namespace_of(r) := r.namespace if {
	is_string(r.namespace)
	r.namespace != ""
} else := k8s.namespace

# A ConfigMap's old documents: the listen paths it defined before this write.
old_docs := {c |
	tykoas.config_map
	some _, text in object.get(input.request.oldObject, "data", {})
	is_string(text)
	gw := tykoas.parse(text)[tykoas.extension]
	is_object(gw)
	tykoas.served(gw)
	c := claim(object.get(gw, ["server", "listenPath", "value"], ""), doc_domain(gw))
}

# covered(mine, theirs) holds when Tyk hands requests of the listen path theirs to
# the listen path mine: mine is theirs or extends it (it is registered first).
covered(mine, theirs) if mine == theirs

covered(mine, theirs) if {
	strict_routes != true
	startswith(mine, theirs)
}

covered(mine, theirs) if {
	strict_routes == true
	startswith(mine, theirs)
	endswith(theirs, "/")
}

covered(mine, theirs) if {
	strict_routes == true
	startswith(mine, concat("", [theirs, "/"]))
}

# kv_reference(path) holds for a listen path the gateway resolves when it loads the API
# (TykTechnologies/tyk gateway/api_loader.go loadApps: gw.kvStore(spec.Proxy.ListenPath);
# kvStore reads secrets://, env://, consul:// and vault:// references), so its value is
# not in the object and its ownership cannot be judged.
kv_reference(path) if {
	contains(path, "://")
	some scheme in ["secrets://", "env://", "consul://", "vault://"]
	startswith(path, scheme)
}

# Domains overlap when equal or when either is "" (every host).
overlap(a, b) if a == b

overlap(a, _) if a == ""

overlap(_, b) if b == ""

# prefixes(p): every leading substring of p, p included; listen paths are short.
prefixes(p) := {substring(p, 0, n) | some n in numbers.range(1, count(p))}

# candidates(mine) are the listen paths whose requests mine takes: the prefixes it
# covers and, for a listen path with gorilla/mux variables (Tyk keeps such a listen path
# as a template: explicitRouteSubpaths, "keep paths with params as-is"), every claimed
# listen path no longer than it (so registered after it: loadApps sorts by length) that
# starts with its literal part before the first "{". A variable matches any segment
# ("/{a}/billing" takes /orders/billing), so this is judged on the literal part alone,
# the safe side. Without strict routes mine covers every prefix of its own (covered),
# so no prefix is tested one by one.
candidates(mine) := prefixes(mine) | templated(mine) if {
	strict_routes != true
} else := {theirs | some theirs in prefixes(mine); covered(mine, theirs)} | templated(mine)

templated(mine) := {theirs |
	contains(mine, "{")
	literal := substring(mine, 0, indexof(mine, "{"))
	some theirs
	data.apiguard.inventory.listenPaths[theirs]
	count(theirs) <= count(mine)
	startswith(theirs, literal)
}

# hits are [mine, theirs, claims] for each listen path mine the object serves (own) and
# each of its candidates theirs (see candidates) the inventory holds an array of claims
# for. The inventory is looked up once per prefix of mine, and covered is asked only of
# a prefix someone claimed: the same listen paths as looking up every candidate.
hits contains [mine, theirs, claims] if {
	some mine in own
	path := mine.path
	some n in numbers.range(1, count(path))
	claims := data.apiguard.inventory.listenPaths[substring(path, 0, n)]
	is_array(claims)
	theirs := substring(path, 0, n)
	covered(path, theirs)
}

hits contains [mine, theirs, claims] if {
	some mine in own
	contains(mine.path, "{")
	some theirs in templated(mine.path)
	claims := data.apiguard.inventory.listenPaths[theirs]
	is_array(claims)
}

# taken(mine) are the claims of other namespaces whose requests mine takes, that came
# first, each [theirs, claim] with theirs the listen path claimed.
taken(mine) := [[theirs, c] |
	some hit in hits
	hit[0] == mine
	[_, theirs, claims] := hit
	some c in claims
	is_object(c)
	is_string(c.namespace)
	c.namespace != ""
	c.namespace != k8s.namespace
	overlap(mine.domain, domain_of(object.get(c, "domain", "")))
	not shared(theirs, k8s.namespace, c.namespace)
	first(mine, c)
]

first(mine, _) if not mine in held

first(mine, c) if {
	mine in held
	not hosts.mine_first(c)
}

# conflicts maps each listen path (with its domain, "" for every host) of the object
# to the sorted claims it takes over ("Kind namespace/name (listen path on domain)").
conflicts[key] := owners if {
	some [mine, _, _] in hits
	claimed := taken(mine)
	count(claimed) > 0
	key := display(mine.path, mine.domain)
	owners := sort({sprintf("%s %s/%s (%s)", [object.get(c, "kind", "object"), c.namespace, object.get(c, "name", "<unnamed>"), display(theirs, domain_of(object.get(c, "domain", "")))]) | some [theirs, c] in claimed})
}

display(path, "") := sprintf("%s on every host", [path])

display(path, domain) := sprintf("%s on %s", [path, domain]) if domain != ""

# data.apiguard.config.tyk.sharedListenPaths lists listen paths several namespaces may
# serve together: [{"listenPath": "/api", "namespaces": ["shop", "payments"]}],
# matched literally against the earlier claim's listen path; namespaces are globs.
shared(path, a, b) if {
	some e in k8s.setting(["tyk", "sharedListenPaths"], [])
	is_object(e)
	e.listenPath == path
	is_array(e.namespaces)
	hosts.listed(e.namespaces, a)
	hosts.listed(e.namespaces, b)
}
