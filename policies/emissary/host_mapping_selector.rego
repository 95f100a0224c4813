# METADATA
# title: Emissary Host mapping selectors must select by labels
# description: >-
#   A getambassador.io/v3alpha1 Host whose spec.mappingSelector (or the deprecated
#   spec.selector, read when mappingSelector is absent or empty) has no matchLabels is
#   denied. Emissary attaches a Mapping to a Host when the Mapping's hostname matches the
#   Host's, or when the Host's selector matches the Mapping's labels
#   (emissary-ingress/emissary python/ambassador/ir/irhost.py matches_httpgroup), and it
#   reads only matchLabels: with none it matches every Mapping, and matchExpressions are
#   ignored (python/ambassador/ir/irutils.py selector_matches: "If there's no
#   matchLabels to match, return True"). So a selector written with only
#   matchExpressions, or an empty matchLabels, attaches every Mapping of every
#   namespace to this Host: every team's routes become reachable under this Host's
#   domain, with its TLS and its requestPolicy (plain HTTP with action Route). An empty
#   selector ({}) is read as none and passes. Namespaces in emissary.wildcardNamespaces
#   (globs, default none) may do so. getambassador.io v2 and v1 objects are not judged
#   here (kubernetes.known_api_version denies them).
# custom:
#   kinds: [getambassador.io/Host]
#   severity: high
#   field: spec.mappingSelector.matchLabels
#   remediation: >-
#     Select Mappings with spec.mappingSelector.matchLabels (Emissary ignores
#     matchExpressions), or remove the selector and rely on the Mappings' hostname.
package emissary.host_mapping_selector

import data.lib.emissary
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	emissary.host
	[path, selector] := emissary.host_selector
	emissary.selector_matches_all(selector)
	not k8s.namespace_in(k8s.setting(["emissary", "wildcardNamespaces"], []))
	msg := sprintf(
		"%s: %s has no matchLabels, and Emissary reads only matchLabels (matchExpressions are ignored), so it selects every Mapping of every namespace and serves other teams' routes under %q; select Mappings with %s.matchLabels",
		[k8s.display, path, emissary.host_hostname, path],
	)
}
