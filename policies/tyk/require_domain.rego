# METADATA
# title: Tyk ApiDefinition should be bound to a domain
# description: >-
#   Warns on a Tyk ApiDefinition (tyk.tyk.io) with no spec.domain (absent or
#   empty). Tyk routes an API to a host only when it has a domain
#   (gateway/api_loader.go loadHTTPService: `if gwConfig.EnableCustomDomains &&
#   spec.Domain != ""` narrows the router to that host); without one the API's
#   listen path answers on every host name that reaches the gateway, so it is
#   exposed through whatever DNS name or load balancer points at the gateway, and
#   its listen path competes with every other domain-less API. Internal APIs,
#   and inactive ones behind a Tyk Dashboard (tyk.dashboard), are not served to
#   callers and are not judged (lib.tyk served).
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition]
#   severity: low
#   field: spec.domain
#   remediation: >-
#     Set spec.domain to the host the API is published on, for example
#     api.example.com (the gateway needs enable_custom_domains: true).
package tyk.require_domain

import data.lib.kubernetes as k8s
import data.lib.tyk

warn contains msg if {
	k8s.is_check
	tyk.api_definition
	tyk.served
	not has_domain
	msg := sprintf(
		"%s: spec.domain is empty, so Tyk serves the API's listen path on every host name that reaches the gateway; set spec.domain to the host it is published on, for example api.example.com",
		[k8s.display],
	)
}

has_domain if {
	d := k8s.spec.domain
	is_string(d)
	trim_space(d) != ""
}
