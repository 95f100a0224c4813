# METADATA
# title: Emissary Mappings must not catch every host
# description: >-
#   A getambassador.io/v3alpha1 Mapping that attaches to every Host and takes every
#   path is denied: it becomes the fallback for every domain the gateway serves,
#   including other teams' (Emissary's "catch-all" fallback Mapping,
#   www.getambassador.io/docs/emissary/latest/topics/using/mappings/). Every Host is
#   taken by spec.hostname "*" (emissary-ingress/emissary python/ambassador/ir/irutils.py
#   hostglob_matches: "*" matches everything), and by spec.host with host_regex: true,
#   which attaches to every Host whatever the regex (python/ambassador/ir/irhost.py
#   matches_httpgroup: `if group_regex: host_match = True`) and, when the regex matches
#   any authority (".*", ".+", "[^/]*"), takes every request; a hostname that is such a
#   regex, with host_regex: true, is read the same way. hostname wins over host when
#   both are set. Every path is taken by prefix "/" or "" (an Envoy prefix match;
#   prefix_exact: true makes "/" match the root only) and by a prefix_regex: true
#   pattern that matches any path. A Mapping with neither hostname nor host attaches
#   only to Hosts whose mappingSelector selects its labels (matches_httpgroup), so the
#   Host's owner decides; it is not judged. spec.host "*" without host_regex is an exact
#   match that Emissary refuses (python/tests/unit/test_mapping.py
#   test_mapping_host_star_error: "host exact-match * contains *"), so it is not a
#   catch-all either. A Mapping on every Host with a narrower prefix is warned: it
#   claims that path on every domain. Namespaces in emissary.wildcardNamespaces (globs,
#   default none) may do both. getambassador.io v2 and v1 objects are not judged here
#   (kubernetes.known_api_version denies them).
# custom:
#   kinds: [getambassador.io/Mapping]
#   severity: high
#   field: spec.hostname
#   remediation: >-
#     Set spec.hostname to the exact host the Mapping serves (for example
#     api.example.com), or select the Mapping from the Host with mappingSelector.
package emissary.mapping_catch_all

import data.lib.emissary
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	emissary.mapping_all_paths
	msg := sprintf(
		"%s: %s, and prefix %q takes every path, so this Mapping catches every request for every host the gateway serves, other teams' included; set spec.hostname to the exact host it serves",
		[k8s.display, host_text, object.get(k8s.spec, "prefix", "")],
	)
}

warn contains msg if {
	applies
	not emissary.mapping_all_paths
	msg := sprintf(
		"%s: %s, so prefix %q is claimed on every host the gateway serves; set spec.hostname to the exact host it serves",
		[k8s.display, host_text, object.get(k8s.spec, "prefix", "")],
	)
}

applies if {
	k8s.is_check
	emissary.mapping
	emissary.mapping_any_host
	not k8s.namespace_in(k8s.setting(["emissary", "wildcardNamespaces"], []))
}

host_text := sprintf("spec.hostname %q matches every Host", [k8s.spec.hostname]) if {
	emissary.any_host(k8s.spec.hostname)
} else := sprintf("spec.hostname %q with host_regex: true attaches to every Host and matches every authority", [k8s.spec.hostname]) if {
	emissary.mapping_host_rule.type == "glob"
} else := sprintf("spec.host %q with host_regex: true attaches to every Host and matches every authority", [k8s.spec.host])
