package inventory

import (
	"slices"
	"strings"

	"github.com/apiguard/apiguard/internal/compactcache"
)

// Istio is the section of Istio's security objects: data.apiguard.inventory.istio.<key>
// maps a namespace to the list of its objects of one kind, projected to the fields the
// istio policies read (a RequestAuthentication is judged by the AuthorizationPolicies
// beside it, a DestinationRule by the PeerAuthentication of the namespace it sends to).
// Clusters hold few of these, so a change rewrites one kind's map whole.
const Istio = "istio"

// Keys of the Istio section.
const (
	IstioAuthorizationPolicies  = "authorizationPolicies"
	IstioPeerAuthentications    = "peerAuthentications"
	IstioRequestAuthentications = "requestAuthentications"
)

const (
	istioSecurityGroup   = "security.istio.io"
	istioNetworkingGroup = "networking.istio.io"
	contourGroup         = "projectcontour.io"
)

// meshKinds are the Istio and Contour kinds the inventory tracks.
func meshKinds() []compactcache.Kind {
	return []compactcache.Kind{
		{Group: istioNetworkingGroup, Version: "v1", Kind: "VirtualService", Resource: "virtualservices"},
		{Group: contourGroup, Version: "v1", Kind: "HTTPProxy", Resource: "httpproxies"},
		{Group: istioSecurityGroup, Version: "v1", Kind: "AuthorizationPolicy", Resource: "authorizationpolicies"},
		{Group: istioSecurityGroup, Version: "v1", Kind: "PeerAuthentication", Resource: "peerauthentications"},
		{Group: istioSecurityGroup, Version: "v1", Kind: "RequestAuthentication", Resource: "requestauthentications"},
	}
}

// istioObject is one Istio security object as its section holds it: identity plus the
// projected fields (absent when the object does not set them).
type istioObject struct {
	namespace, name, kind string
	fields                map[string]any
}

func (o istioObject) json() map[string]any {
	m := map[string]any{"namespace": o.namespace, "name": o.name, "kind": o.kind}
	for k, v := range o.fields {
		m[k] = v
	}
	return m
}

// projectMesh is project for the kinds of meshKinds; ok is false for any other kind.
func projectMesh(id objectID, spec map[string]any, created string) ([]contribution, bool) {
	switch {
	case id.group == istioNetworkingGroup && id.kind == "VirtualService":
		return hostClaims(id, created, virtualServiceHosts(spec)), true
	case id.group == contourGroup && id.kind == "HTTPProxy":
		vh, _ := spec["virtualhost"].(map[string]any)
		fqdn, _ := vh["fqdn"].(string)
		return hostClaims(id, created, []string{fqdn}), true
	case id.group == istioSecurityGroup && id.kind == "AuthorizationPolicy":
		f := keep(spec, "action", "selector")
		if refs := targetRefs(spec); refs != nil {
			f["targetRefs"] = refs
		}
		if rules, ok := spec["rules"].([]any); ok {
			f["rules"] = principalRules(rules)
		}
		return istioSection(IstioAuthorizationPolicies, id, f), true
	case id.group == istioSecurityGroup && id.kind == "PeerAuthentication":
		f := keep(spec, "selector")
		if mtls, _ := spec["mtls"].(map[string]any); mtls != nil {
			if mode, _ := mtls["mode"].(string); mode != "" {
				f["mode"] = mode
			}
		}
		if ports, _ := spec["portLevelMtls"].(map[string]any); len(ports) > 0 {
			modes := map[string]any{}
			for port, v := range ports {
				m, _ := v.(map[string]any)
				mode, _ := m["mode"].(string)
				modes[port] = mode
			}
			f["portLevelMtls"] = modes
		}
		return istioSection(IstioPeerAuthentications, id, f), true
	case id.group == istioSecurityGroup && id.kind == "RequestAuthentication":
		f := keep(spec, "selector")
		if refs := targetRefs(spec); refs != nil {
			f["targetRefs"] = refs
		}
		return istioSection(IstioRequestAuthentications, id, f), true
	}
	return nil, false
}

// virtualServiceHosts are the hosts a VirtualService claims: its spec.hosts when it is
// bound to a gateway other than the mesh (with no gateways, or only "mesh", it routes
// sidecar traffic inside the mesh and exposes nothing: Istio's VirtualService.gateways
// reference). "*" is judged by the wildcard check, not claimed; a short name without a
// dot is Istio's name for a Service in the VirtualService's own namespace
// (reviews → reviews.<ns>.svc.cluster.local), which no other namespace can take.
// Agrees with vs_hosts in policies/lib/hosts.rego.
func virtualServiceHosts(spec map[string]any) []string {
	gateways := stringList(spec["gateways"])
	if !slices.ContainsFunc(gateways, func(g string) bool { return g != "mesh" }) {
		return nil
	}
	var out []string
	for _, h := range stringList(spec["hosts"]) {
		if h = NormalizeHost(h); h != "*" && strings.Contains(h, ".") {
			out = append(out, h)
		}
	}
	return out
}

func istioSection(key string, id objectID, fields map[string]any) []contribution {
	return []contribution{{Key{Istio, key}, istioObject{namespace: id.namespace, name: id.name, kind: id.kind, fields: fields}}}
}

// byNamespace is the Istio section's value of one key: the claims, which are sorted by
// namespace and name, grouped by namespace.
func byNamespace(claims []claim) map[string]any {
	out := map[string]any{}
	for _, c := range claims {
		list, _ := out[c.id.namespace].([]any)
		out[c.id.namespace] = append(list, c.value.json())
	}
	return out
}

// keep copies the named fields of spec that are set.
func keep(spec map[string]any, names ...string) map[string]any {
	out := map[string]any{}
	for _, n := range names {
		if v, ok := spec[n]; ok && v != nil {
			out[n] = v
		}
	}
	return out
}

// targetRefs are spec.targetRefs with the older spec.targetRef folded in; nil when
// neither is set.
func targetRefs(spec map[string]any) []any {
	var refs []any
	if one, ok := spec["targetRef"].(map[string]any); ok {
		refs = append(refs, one)
	}
	if list, ok := spec["targetRefs"].([]any); ok {
		refs = append(refs, list...)
	}
	return refs
}

// principalRules keeps, of each AuthorizationPolicy rule, what says whether it needs an
// authenticated request: from[].source.requestPrincipals and notRequestPrincipals, and
// its when conditions (a condition on request.auth.* with only notValues still admits a
// request without a token).
func principalRules(rules []any) []any {
	out := make([]any, 0, len(rules))
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		kept := map[string]any{}
		if from, ok := rule["from"].([]any); ok {
			sources := make([]any, 0, len(from))
			for _, f := range from {
				fm, _ := f.(map[string]any)
				src, _ := fm["source"].(map[string]any)
				sources = append(sources, map[string]any{"source": keep(src, "requestPrincipals", "notRequestPrincipals")})
			}
			kept["from"] = sources
		}
		if when, ok := rule["when"].([]any); ok {
			keys := make([]any, 0, len(when))
			for _, w := range when {
				wm, _ := w.(map[string]any)
				keys = append(keys, keep(wm, "key", "values", "notValues"))
			}
			kept["when"] = keys
		}
		out = append(out, kept)
	}
	return out
}
