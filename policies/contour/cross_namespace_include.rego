# METADATA
# title: Contour inclusion across namespaces must be allowed
# description: >-
#   An HTTPProxy (projectcontour.io) that includes an HTTPProxy of another namespace
#   (spec.includes[].namespace, spec.tcpproxy.include.namespace, or the deprecated
#   spec.tcpproxy.includes.namespace, which Contour reads when include is unset) is
#   denied unless data.apiguard.config.contour.includeNamespaces allows that namespace.
#   Contour needs no consent from the included namespace: any HTTPProxy may include
#   any non-root HTTPProxy of any namespace, and the included routes' Services are
#   resolved in the included proxy's own namespace (projectcontour/contour
#   internal/dag/httpproxy_processor.go computeRoutes and processHTTPProxyTCPProxy;
#   projectcontour.io/docs/1.33/config/inclusion-delegation/). So one namespace can
#   publish another namespace's Services on a host it owns, under its own TLS,
#   authorization and CORS settings, or none. An include without namespace, or naming
#   the proxy's own, stays in the namespace and is not judged.
#   includeNamespaces is a map from the including proxy's namespace (or "*" for every
#   namespace; an entry for the namespace wins over "*") to globs of the namespaces it
#   may include from. The default, none, keeps inclusion within a namespace; the
#   delegation model of Contour's documentation (a root namespace delegating paths to
#   team namespaces, "Inclusion Across Namespaces") is enabled by allowing it, for
#   example {"projectcontour-roots": ["team-*"]}.
# custom:
#   kinds: [projectcontour.io/HTTPProxy]
#   severity: high
#   field: spec.includes[].namespace
#   remediation: >-
#     Include HTTPProxies of the proxy's own namespace, or have the other namespace
#     allowed for this one in apiguard.config.contour.includeNamespaces.
package contour.cross_namespace_include

import data.lib.contour
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	contour.httpproxy
	some [where, include] in includes
	ns := contour.include_namespace(include)
	ns != k8s.namespace
	not allowed(ns)
	msg := sprintf(
		"%s: %s includes HTTPProxy %s/%s from another namespace, so this proxy serves that namespace's Services on its host without that namespace's consent; include an HTTPProxy of namespace %q, or have %q allowed for namespace %q in apiguard.config.contour.includeNamespaces",
		[k8s.display, where, ns, object.get(include, "name", ""), k8s.namespace, ns, k8s.namespace],
	)
}

includes contains [sprintf("spec.includes[%d]", [i]), include] if {
	some i, include in k8s.array_at(k8s.spec, "includes")
	is_object(include)
}

includes contains ["spec.tcpproxy.include", include] if {
	include := k8s.spec.tcpproxy.include
	is_object(include)
}

# The deprecated plural is read only when the singular is unset
# (processHTTPProxyTCPProxy: `if tcpproxy.Include == nil`).
includes contains ["spec.tcpproxy.includes", include] if {
	not is_object(object.get(k8s.spec, ["tcpproxy", "include"], null))
	include := k8s.spec.tcpproxy.includes
	is_object(include)
}

allowed(ns) if {
	some p in allowed_patterns
	is_string(p)
	glob.match(p, [], ns)
}

allowed_patterns := p if {
	p := configured[k8s.namespace]
	is_array(p)
} else := p if {
	not configured[k8s.namespace]
	p := configured["*"]
	is_array(p)
} else := []

configured := c if {
	c := k8s.setting(["contour", "includeNamespaces"], {})
	is_object(c)
} else := {}
