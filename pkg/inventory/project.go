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
	return []compactcache.Kind{
		{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Resource: "ingresses"},
		{Group: gatewayGroup, Version: "v1", Kind: "HTTPRoute", Resource: "httproutes"},
		{Group: gatewayGroup, Version: "v1", Kind: "GRPCRoute", Resource: "grpcroutes"},
		{Group: gatewayGroup, Version: "v1", Kind: "Gateway", Resource: "gateways"},
		{Group: gatewayGroup, Version: "v1beta1", Kind: "ReferenceGrant", Resource: "referencegrants"},
	}
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

type hostClaim struct {
	namespace, name string
	paths           []string
}

func (h hostClaim) json() map[string]any {
	paths := make([]any, len(h.paths))
	for i, p := range h.paths {
		paths[i] = p
	}
	return map[string]any{"namespace": h.namespace, "name": h.name, "paths": paths}
}

type routeClaim struct{ namespace, name, kind string }

func (r routeClaim) json() map[string]any {
	return map[string]any{"namespace": r.namespace, "name": r.name, "kind": r.kind}
}

type listener struct {
	name, protocol, hostname string
	port                     json.Number
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
	switch {
	case id.group == "networking.k8s.io" && id.kind == "Ingress":
		return projectIngress(id, spec)
	case id.group == gatewayGroup && (id.kind == "HTTPRoute" || id.kind == "GRPCRoute"):
		var out []contribution
		for _, h := range uniqueLower(stringList(spec["hostnames"])) {
			out = append(out, contribution{Key{HTTPRouteHostnames, h}, routeClaim{id.namespace, id.name, id.kind}})
		}
		return out
	case id.group == gatewayGroup && id.kind == "Gateway":
		g := gatewayInfo{}
		g.class, _ = spec["gatewayClassName"].(string)
		for _, l := range maps(spec["listeners"]) {
			var li listener
			li.name, _ = l["name"].(string)
			li.protocol, _ = l["protocol"].(string)
			li.hostname, _ = l["hostname"].(string)
			li.port, _ = number(l["port"])
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
	}
	return nil
}

func projectIngress(id objectID, spec map[string]any) []contribution {
	paths := map[string][]string{}
	for _, rule := range maps(spec["rules"]) {
		host, _ := rule["host"].(string)
		host = strings.ToLower(host)
		if host == "" {
			continue
		}
		http, _ := rule["http"].(map[string]any)
		rulePaths := maps(http["paths"])
		if len(rulePaths) == 0 {
			paths[host] = append(paths[host], "/")
		}
		for _, p := range rulePaths {
			path, _ := p["path"].(string)
			if path == "" {
				path = "/"
			}
			paths[host] = append(paths[host], path)
		}
	}
	out := make([]contribution, 0, len(paths))
	for host, ps := range paths {
		slices.Sort(ps)
		out = append(out, contribution{Key{IngressHosts, host}, hostClaim{namespace: id.namespace, name: id.name, paths: slices.Clip(slices.Compact(ps))}})
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

func uniqueLower(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		out = append(out, strings.ToLower(s))
	}
	slices.Sort(out)
	return slices.Compact(out)
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
