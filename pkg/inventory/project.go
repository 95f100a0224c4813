package inventory

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/apiguard/apiguard/internal/compactcache"
)

const gatewayGroup = "gateway.networking.k8s.io"

// Kinds lists the group/kinds the inventory tracks, for watches and the CLI.
func Kinds() []compactcache.Kind {
	kinds := []compactcache.Kind{{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Resource: "ingresses"}}
	kinds = append(kinds, hostnameRoutes()...)
	return append(append(kinds,
		compactcache.Kind{Group: gatewayGroup, Version: "v1", Kind: "Gateway", Resource: "gateways"},
		compactcache.Kind{Group: gatewayGroup, Version: "v1beta1", Kind: "ReferenceGrant", Resource: "referencegrants"},
		compactcache.Kind{Group: tykGroup, Version: "v1alpha1", Kind: "ApiDefinition", Resource: "apidefinitions"},
		compactcache.Kind{Group: tykGroup, Version: "v1alpha1", Kind: "TykOasApiDefinition", Resource: "tykoasapidefinitions"},
		compactcache.Kind{Group: tykGroup, Version: "v1alpha1", Kind: "TykStreamsApiDefinition", Resource: "tykstreamsapidefinitions"},
		compactcache.Kind{Group: tykGroup, Version: "v1alpha1", Kind: "TykMcpProxyDefinition", Resource: "tykmcpproxydefinitions"},
	), append(meshKinds(), gatewayHostKinds()...)...)
}

// documentKinds are the Tyk kinds whose listen path lives in a ConfigMap's Tyk OAS
// document (spec.tykOAS, spec.tykStreams, spec.tykMCP .configmapRef), which the
// inventory does not watch: they claim what Tyk Operator applied and wrote into status.
func documentKinds() []string {
	return []string{"TykOasApiDefinition", "TykStreamsApiDefinition", "TykMcpProxyDefinition"}
}

const tykGroup = "tyk.tyk.io"

// hostnameRoutes are the route kinds whose spec.hostnames claim hosts in the one host
// inventory. Adding a kind that has spec.hostnames (TLSRoute, say) is one line here:
// it is then watched, listed by audit, projected offline, and its claims are seen by
// every host-ownership policy.
func hostnameRoutes() []compactcache.Kind {
	return []compactcache.Kind{
		{Group: gatewayGroup, Version: "v1", Kind: "HTTPRoute", Resource: "httproutes"},
		{Group: gatewayGroup, Version: "v1", Kind: "GRPCRoute", Resource: "grpcroutes"},
	}
}

func isHostnameRoute(id objectID) bool {
	for _, k := range hostnameRoutes() {
		if k.Group == id.group && k.Kind == id.kind {
			return true
		}
	}
	return false
}

// NormalizeHost is how hosts are keyed in the Hosts section, and must agree with
// normalize in policies/lib/hosts.rego: lower case (DNS names compare case-insensitively,
// RFC 4343) without a trailing dot. The API server refuses both in Ingress hosts and
// Gateway API hostnames, but offline input and --data are not validated by it.
func NormalizeHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// identify returns the object's identity, with group and kind taken from Kinds so every
// tracked object shares those strings.
func identify(obj map[string]any) (objectID, bool) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	namespace, _ := meta["namespace"].(string)
	group := ""
	if i := strings.LastIndex(apiVersion, "/"); i >= 0 {
		group = apiVersion[:i]
	}
	for _, k := range Kinds() {
		if k.Group == group && k.Kind == kind && name != "" {
			return objectID{group: k.Group, kind: k.Kind, namespace: namespace, name: name}, true
		}
	}
	return objectID{}, false
}

// hostClaim is one object's claim on a host: who serves it, and since when (the
// object's creationTimestamp, which decides who claimed it first).
type hostClaim struct{ namespace, name, kind, created string }

func (h hostClaim) json() map[string]any {
	m := map[string]any{"namespace": h.namespace, "name": h.name, "kind": h.kind}
	if h.created != "" {
		m["created"] = h.created
	}
	return m
}

type listener struct {
	name, protocol, hostname string
	port                     json.Number
	// from is allowedRoutes.namespaces.from ("" when unset, which means Same); kinds
	// are allowedRoutes.kinds[].kind. Policies use them to tell which listeners a
	// route can attach to.
	from  string
	kinds []string
}

type gatewayInfo struct {
	class     string
	listeners []listener
}

func (g gatewayInfo) json() map[string]any {
	ls := make([]any, 0, len(g.listeners))
	for _, l := range g.listeners {
		m := map[string]any{}
		for k, v := range map[string]string{"name": l.name, "protocol": l.protocol, "hostname": l.hostname} {
			if v != "" {
				m[k] = v
			}
		}
		if l.port != "" {
			m["port"] = l.port
		}
		if l.from != "" {
			m["allowedRoutesFrom"] = l.from
		}
		if len(l.kinds) > 0 {
			kinds := make([]any, len(l.kinds))
			for i, k := range l.kinds {
				kinds[i] = k
			}
			m["allowedRouteKinds"] = kinds
		}
		ls = append(ls, m)
	}
	return map[string]any{"gatewayClassName": g.class, "listeners": ls}
}

type grantRef struct{ group, kind, third string }

type grantInfo struct {
	name     string
	from, to []grantRef
}

func (g grantInfo) json() map[string]any {
	refs := func(list []grantRef, third string) []any {
		out := make([]any, 0, len(list))
		for _, r := range list {
			out = append(out, map[string]any{"group": r.group, "kind": r.kind, third: r.third})
		}
		return out
	}
	return map[string]any{"name": g.name, "from": refs(g.from, "namespace"), "to": refs(g.to, "name")}
}

// project maps one object to its contributions. Only the fields policies read survive.
func project(id objectID, obj map[string]any) []contribution {
	spec, _ := obj["spec"].(map[string]any)
	meta, _ := obj["metadata"].(map[string]any)
	created, _ := meta["creationTimestamp"].(string)
	if contribs, ok := projectMesh(id, spec, created); ok {
		return contribs
	}
	if contribs, ok := projectGatewayHosts(id, spec, created); ok {
		return contribs
	}
	switch {
	case id.group == "networking.k8s.io" && id.kind == "Ingress":
		var hosts []string
		for _, rule := range maps(spec["rules"]) {
			if host, _ := rule["host"].(string); host != "" {
				hosts = append(hosts, host)
			}
		}
		return hostClaims(id, created, hosts)
	case isHostnameRoute(id):
		return hostClaims(id, created, stringList(spec["hostnames"]))
	case id.group == gatewayGroup && id.kind == "Gateway":
		g := gatewayInfo{}
		g.class, _ = spec["gatewayClassName"].(string)
		for _, l := range maps(spec["listeners"]) {
			var li listener
			li.name, _ = l["name"].(string)
			li.protocol, _ = l["protocol"].(string)
			li.hostname, _ = l["hostname"].(string)
			li.hostname = NormalizeHost(li.hostname)
			li.port, _ = number(l["port"])
			allowed, _ := l["allowedRoutes"].(map[string]any)
			namespaces, _ := allowed["namespaces"].(map[string]any)
			li.from, _ = namespaces["from"].(string)
			for _, k := range maps(allowed["kinds"]) {
				if kind, _ := k["kind"].(string); kind != "" {
					li.kinds = append(li.kinds, kind)
				}
			}
			g.listeners = append(g.listeners, li)
		}
		return []contribution{{Key{Gateways, id.namespace + "/" + id.name}, g}}
	case id.group == gatewayGroup && id.kind == "ReferenceGrant":
		refs := func(list any, third string) []grantRef {
			var out []grantRef
			for _, m := range maps(list) {
				var r grantRef
				r.group, _ = m["group"].(string)
				r.kind, _ = m["kind"].(string)
				r.third, _ = m[third].(string)
				out = append(out, r)
			}
			return out
		}
		return []contribution{{Key{ReferenceGrants, id.namespace}, grantInfo{name: id.name, from: refs(spec["from"], "namespace"), to: refs(spec["to"], "name")}}}
	case id.group == tykGroup && id.kind == "ApiDefinition":
		// gateway/api_loader.go: processSpec skips an internal API (chainDef.Skip) and
		// loadHTTPService then registers no route; tcp and tls APIs get no HTTP route.
		if internal, _ := spec["internal"].(bool); internal {
			return nil
		}
		if protocol, _ := spec["protocol"].(string); protocol == "tcp" || protocol == "tls" {
			return nil
		}
		// An ingress template Tyk Operator has not published (label template: "true",
		// no status.api_id: controllers/apidefinition_controller.go returns before
		// creating it on Tyk) serves no route; lib.listenpath unpublished_template agrees.
		if unpublishedTemplate(meta, obj) {
			return nil
		}
		proxy, _ := spec["proxy"].(map[string]any)
		path, _ := proxy["listen_path"].(string)
		domain, _ := spec["domain"].(string)
		return listenClaims(id, created, path, domain)
	case id.group == tykGroup && slices.Contains(documentKinds(), id.kind):
		// The listen path and domain live in the ConfigMap's document, which the webhook
		// does not watch; Tyk Operator writes what it applied into status.
		status, _ := obj["status"].(map[string]any)
		path, _ := status["listenPath"].(string)
		return listenClaims(id, created, path, statusDomain(status))
	}
	return nil
}

// unpublishedTemplate reports an ApiDefinition labelled as an ingress template (key and
// value compared exactly, as the operator does) with no Tyk API ID in its status.
func unpublishedTemplate(meta, obj map[string]any) bool {
	labels, _ := meta["labels"].(map[string]any)
	if v, _ := labels["template"].(string); v != "true" {
		return false
	}
	status, _ := obj["status"].(map[string]any)
	id, _ := status["api_id"].(string)
	return id == ""
}

// statusDomain is the custom domain a Tyk Operator status records: in the v1.4.2 CRDs a
// TykOasApiDefinition's status.domain is {name, enabled, certificates} (the name counts
// only when enabled), a TykStreamsApiDefinition's and a TykMcpProxyDefinition's a plain
// string ("Domain is the custom domain name for an API"). Agrees with status_domain in
// policies/lib/listenpath.rego.
func statusDomain(status map[string]any) string {
	switch d := status["domain"].(type) {
	case map[string]any:
		if enabled, _ := d["enabled"].(bool); enabled {
			name, _ := d["name"].(string)
			return name
		}
	case string:
		return d
	}
	return ""
}

// listenClaim is one Tyk API's claim on a listen path, on its custom domain ("" when
// the API answers on every host).
type listenClaim struct{ namespace, name, kind, created, domain string }

func (l listenClaim) json() map[string]any {
	m := hostClaim{namespace: l.namespace, name: l.name, kind: l.kind, created: l.created}.json()
	m["domain"] = l.domain
	return m
}

// listenClaims is the claim of a Tyk API on its listen path, keyed by the path as Tyk
// matches it (a plain string prefix, gorilla/mux PathPrefix); an API without a listen
// path claims none. The domain is normalised like a host.
func listenClaims(id objectID, created, path, domain string) []contribution {
	path = strings.TrimSpace(path)
	if path == "" {
		return nil
	}
	return []contribution{{Key{ListenPaths, path}, listenClaim{namespace: id.namespace, name: id.name, kind: id.kind, created: created, domain: NormalizeHost(domain)}}}
}

// hostClaims is one claim per distinct normalised host. Paths are not kept: a host
// belongs to one namespace whatever the path, because controllers merge every rule for
// a host into one virtual server (ingress-nginx: one server block per host, fed by the
// Ingresses of every namespace), so any path on it serves the owner's clients.
func hostClaims(id objectID, created string, hosts []string) []contribution {
	for i, h := range hosts {
		hosts[i] = NormalizeHost(h)
	}
	slices.Sort(hosts)
	hosts = slices.Compact(hosts)
	out := make([]contribution, 0, len(hosts))
	for _, h := range hosts {
		if h == "" {
			continue
		}
		out = append(out, contribution{Key{Hosts, h}, hostClaim{namespace: id.namespace, name: id.name, kind: id.kind, created: created}})
	}
	return out
}

func maps(v any) []map[string]any {
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// number normalises the numeric types decoders produce (float64, int64, json.Number) to
// json.Number, the form the policy engine's data store expects.
func number(v any) (json.Number, bool) {
	switch n := v.(type) {
	case json.Number:
		return n, true
	case float64:
		return json.Number(strconv.FormatFloat(n, 'f', -1, 64)), true
	case int64:
		return json.Number(strconv.FormatInt(n, 10)), true
	case int:
		return json.Number(strconv.Itoa(n)), true
	}
	return "", false
}
