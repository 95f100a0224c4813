package inventory

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

const gatewayGroup = "gateway.networking.k8s.io"

// Kinds lists the group/kinds the inventory tracks, for watches and the CLI.
func Kinds() []struct{ Group, Version, Kind, Resource string } {
	return []struct{ Group, Version, Kind, Resource string }{
		{"networking.k8s.io", "v1", "Ingress", "ingresses"},
		{gatewayGroup, "v1", "HTTPRoute", "httproutes"},
		{gatewayGroup, "v1", "GRPCRoute", "grpcroutes"},
		{gatewayGroup, "v1", "Gateway", "gateways"},
		{gatewayGroup, "v1beta1", "ReferenceGrant", "referencegrants"},
	}
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
			out = append(out, contribution{Key{HTTPRouteHostnames, h}, map[string]any{"namespace": id.namespace, "name": id.name, "kind": id.kind}})
		}
		return out
	case id.group == gatewayGroup && id.kind == "Gateway":
		class, _ := spec["gatewayClassName"].(string)
		var listeners []any
		for _, l := range maps(spec["listeners"]) {
			listener := map[string]any{}
			for _, f := range []string{"name", "protocol", "hostname"} {
				if v, ok := l[f].(string); ok {
					listener[f] = v
				}
			}
			if port, ok := number(l["port"]); ok {
				listener["port"] = port
			}
			listeners = append(listeners, listener)
		}
		if listeners == nil {
			listeners = []any{}
		}
		return []contribution{{Key{Gateways, id.namespace + "/" + id.name}, map[string]any{"gatewayClassName": class, "listeners": listeners}}}
	case id.group == gatewayGroup && id.kind == "ReferenceGrant":
		pick := func(list any, fields ...string) []any {
			out := []any{}
			for _, m := range maps(list) {
				e := map[string]any{}
				for _, f := range fields {
					s, _ := m[f].(string)
					e[f] = s
				}
				out = append(out, e)
			}
			return out
		}
		return []contribution{{Key{ReferenceGrants, id.namespace}, map[string]any{
			"name": id.name,
			"from": pick(spec["from"], "group", "kind", "namespace"),
			"to":   pick(spec["to"], "group", "kind", "name"),
		}}}
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
	var out []contribution
	for host, ps := range paths {
		slices.Sort(ps)
		list := make([]any, 0, len(ps))
		for _, p := range slices.Compact(ps) {
			list = append(list, p)
		}
		out = append(out, contribution{Key{IngressHosts, host}, map[string]any{"namespace": id.namespace, "name": id.name, "paths": list}})
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
