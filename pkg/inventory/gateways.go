package inventory

import (
	"regexp"

	"github.com/apiguard/apiguard/internal/compactcache"
)

// The API-gateway kinds of issue 20 whose objects claim hosts in the one host inventory:
// a Traefik IngressRoute (the Host matchers of its routes' rules), an APISIX ApisixRoute
// (its http routes' match.hosts), and Emissary's Mapping (hostname, or an exact host)
// and Host (hostname). Each agrees with its function in policies/lib/hosts.rego.
const (
	traefikGroup  = "traefik.io"
	apisixGroup   = "apisix.apache.org"
	emissaryGroup = "getambassador.io"
)

func gatewayHostKinds() []compactcache.Kind {
	return []compactcache.Kind{
		{Group: traefikGroup, Version: "v1alpha1", Kind: "IngressRoute", Resource: "ingressroutes"},
		{Group: apisixGroup, Version: "v2", Kind: "ApisixRoute", Resource: "apisixroutes"},
		{Group: emissaryGroup, Version: "v3alpha1", Kind: "Mapping", Resource: "mappings"},
		{Group: emissaryGroup, Version: "v3alpha1", Kind: "Host", Resource: "hosts"},
	}
}

// traefikHostCall finds the Host(...) matchers of a Traefik rule that are not negated:
// Host, or v2's HostHeader, in any case (Traefik's parser, pkg/rules/parser.go, takes
// host( and HOST( too), not HostSNI or HostRegexp, not directly after "!", with its
// quoted arguments. The same expression is traefik_host_call in lib/hosts.rego, so Go
// and Rego read a rule alike.
const traefikHostCall = "(?:^|[^A-Za-z0-9_!\\s])\\s*(?i:host|hostheader)\\(([^)]*)\\)"

// traefikHostArg is one argument of a Host matcher: Traefik's rule syntax quotes with
// backticks or double quotes (v2's Host(`a`, `b`) takes several).
const traefikHostArg = "`([^`]*)`|\"([^\"]*)\""

func traefikRuleHosts(rule string) []string {
	var out []string
	call, arg := regexp.MustCompile(traefikHostCall), regexp.MustCompile(traefikHostArg)
	for _, call := range call.FindAllStringSubmatch(rule, -1) {
		for _, arg := range arg.FindAllStringSubmatch(call[1], -1) {
			out = append(out, arg[1]+arg[2])
		}
	}
	return out
}

// projectGatewayHosts is project for the kinds of gatewayHostKinds; ok is false for any
// other kind.
func projectGatewayHosts(id objectID, spec map[string]any, created string) ([]contribution, bool) {
	switch {
	case id.group == traefikGroup && id.kind == "IngressRoute":
		var hosts []string
		for _, r := range maps(spec["routes"]) {
			rule, _ := r["match"].(string)
			hosts = append(hosts, traefikRuleHosts(rule)...)
		}
		return hostClaims(id, created, wildcardOrExact(hosts)), true
	case id.group == apisixGroup && id.kind == "ApisixRoute":
		var hosts []string
		for _, r := range maps(spec["http"]) {
			match, _ := r["match"].(map[string]any)
			hosts = append(hosts, stringList(match["hosts"])...)
		}
		return hostClaims(id, created, wildcardOrExact(hosts)), true
	case id.group == emissaryGroup && id.kind == "Mapping":
		return hostClaims(id, created, mappingHosts(spec)), true
	case id.group == emissaryGroup && id.kind == "Host":
		hostname, _ := spec["hostname"].(string)
		return hostClaims(id, created, wildcardOrExact([]string{hostname})), true
	}
	return nil, false
}

// mappingHosts is what a Mapping claims: its hostname (a DNS glob), else its host when
// that is an exact match (host_regex not true). "*", the default, claims nothing.
func mappingHosts(spec map[string]any) []string {
	if hostname, _ := spec["hostname"].(string); hostname != "" {
		return wildcardOrExact([]string{hostname})
	}
	host, _ := spec["host"].(string)
	if regex, _ := spec["host_regex"].(bool); regex || host == "" {
		return nil
	}
	return wildcardOrExact([]string{host})
}

// wildcardOrExact keeps exact names and "*.suffix" wildcards, the two forms a host claim
// takes; "*" and other globs are left to the wildcard checks.
func wildcardOrExact(hosts []string) []string {
	claimable := regexp.MustCompile(`^(\*\.)?[^*?\[\]]+$`)
	var out []string
	for _, h := range hosts {
		if claimable.MatchString(h) {
			out = append(out, h)
		}
	}
	return out
}
