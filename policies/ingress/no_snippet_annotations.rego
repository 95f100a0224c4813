# METADATA
# title: Ingress must not carry configuration snippets or dangerous annotations
# description: >-
#   Denies annotations whose key ends in "-snippet" or "-snippets" (for example
#   nginx.ingress.kubernetes.io/configuration-snippet, server-snippet,
#   auth-snippet, or nginx.org/server-snippets): they paste raw proxy
#   configuration into the shared controller, which let any Ingress author read
#   the controller's credentials and every Secret it can see (CVE-2021-25742,
#   CVE-2023-5043). Also denies the keys in
#   data.apiguard.config.ingress.dangerousAnnotations (a list that replaces the
#   default) which defaults to
#   nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream,
#   nginx.ingress.kubernetes.io/mirror-target and
#   nginx.ingress.kubernetes.io/mirror-host. The mirror annotations send a
#   copy of every request, credentials included, to any address, and were
#   the injection vector of CVE-2025-1098. Keys are compared case-insensitively.
# custom:
#   kinds: [Ingress]
#   severity: critical
#   field: metadata.annotations
#   remediation: >-
#     Remove the annotation; ask the platform team to provide the behaviour
#     through controller configuration instead.
package ingress.no_snippet_annotations

import data.lib.kubernetes as k8s

default_dangerous := [
	"nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream",
	"nginx.ingress.kubernetes.io/mirror-target",
	"nginx.ingress.kubernetes.io/mirror-host",
]

deny contains msg if {
	applies
	some key, _ in k8s.annotations
	snippet(key)
	msg := sprintf(
		"%s: annotation %q injects raw proxy configuration into the shared ingress controller; remove it and ask the platform team to provide the behaviour through controller configuration",
		[k8s.display, key],
	)
}

deny contains msg if {
	applies
	some key, _ in k8s.annotations
	not snippet(key)
	lower(key) in dangerous
	msg := sprintf(
		"%s: annotation %q is on the dangerous-annotation list (apiguard.config.ingress.dangerousAnnotations); remove it, or ask the platform team for an exemption",
		[k8s.display, key],
	)
}

# Writes and audits of networking.k8s.io Ingresses are judged; a DELETE never is.
applies if {
	k8s.is_check
	k8s.group == "networking.k8s.io"
	k8s.kind == "Ingress"
}

snippet(key) if endswith(lower(key), "-snippet")

snippet(key) if endswith(lower(key), "-snippets")

# A configured list replaces the default; non-string entries are ignored, and
# a value that is not a list falls back to the default.
dangerous := {lower(k) | some k in list; is_string(k)} if {
	list := k8s.setting(["ingress", "dangerousAnnotations"], default_dangerous)
	is_array(list)
} else := {k | some k in default_dangerous}
