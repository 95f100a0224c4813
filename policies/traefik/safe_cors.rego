# METADATA
# title: Traefik CORS must not allow credentials from any origin
# description: >-
#   A Middleware (traefik.io) headers section with accessControlAllowCredentials: true
#   and an origin list that admits any origin is denied: any web site could then make
#   credentialed calls on behalf of a logged-in user. Traefik v3.7.13 answers a "*"
#   entry of accessControlAllowOriginList by echoing the caller's Origin when
#   credentials are allowed ("Can't use wildcard with credentials", traefik/traefik
#   pkg/middlewares/headers/header.go matchOrigin), and matches each
#   accessControlAllowOriginListRegex entry unanchored (regexp MatchString), echoing
#   the origin too. So "*", "null" (the Origin of sandboxed iframes, which any page can
#   create), and a regexp that matches an attacker's origin or "null" (".*", "https://",
#   "." ...) are denied with credentials, and so is a regexp not anchored at its end with
#   $ (or \z): `^https://app\.example\.com` also matches
#   https://app.example.com.attacker.example. List entries compare exactly, so " *" or
#   "https://*.example.com" are literal origins, not wildcards. Namespaces in
#   data.apiguard.config.traefik.corsNamespaces (globs) are exempt.
# custom:
#   kinds: [traefik.io/Middleware]
#   severity: high
#   field: spec.headers.accessControlAllowOriginList
#   remediation: >-
#     List the exact origins (https://app.example.com) in accessControlAllowOriginList,
#     or anchor each regexp to your domains (^https://[a-z]+\.example\.com$).
package traefik.safe_cors

import data.lib.kubernetes as k8s
import data.lib.traefik

deny contains msg if {
	applies
	some origin in k8s.array_at(headers, "accessControlAllowOriginList")
	origin in {"*", "null"}
	msg := sprintf(
		"%s: spec.headers.accessControlAllowOriginList holds %q and accessControlAllowCredentials is true, so Traefik echoes the caller's origin with credentials and any web site can call the API as a logged-in user; list the exact origins instead",
		[k8s.display, origin],
	)
}

deny contains msg if {
	applies
	some pattern in k8s.array_at(headers, "accessControlAllowOriginListRegex")
	is_string(pattern)
	regex.is_valid(pattern)
	origin := matched_origin(pattern)
	msg := sprintf(
		"%s: spec.headers.accessControlAllowOriginListRegex entry %q matches the origin %q (Traefik matches it unanchored) and accessControlAllowCredentials is true, so any web site can call the API as a logged-in user; anchor the regexp to your own origins (^https://app\\.example\\.com$)",
		[k8s.display, pattern, origin],
	)
}

matched_origin(pattern) := [o | some o in probe_origins; regex.match(pattern, o)][0]

# A regexp not anchored at its end with $ also matches every origin that extends one it
# was written for: `^https://app\.example\.com` matches
# https://app.example.com.attacker.example, a host the attacker owns.
deny contains msg if {
	applies
	some pattern in k8s.array_at(headers, "accessControlAllowOriginListRegex")
	is_string(pattern)
	regex.is_valid(pattern)
	not matched_origin(pattern)
	not anchored_end(pattern)
	msg := sprintf(
		"%s: spec.headers.accessControlAllowOriginListRegex entry %q does not end with $, and Traefik matches it unanchored, so it also matches origins that extend the one it names (<origin>.attacker.example, a host anyone can own) while accessControlAllowCredentials is true; anchor it: ^https://app\\.example\\.com$",
		[k8s.display, pattern],
	)
}

anchored_end(p) if {
	endswith(p, "$")
	not endswith(p, `\$`)
}

anchored_end(p) if endswith(p, `\z`)

probe_origins := ["https://apiguard-probe.invalid", "http://apiguard-probe.invalid", "null"]

headers := k8s.spec.headers

applies if {
	k8s.is_check
	traefik.kind("Middleware")
	headers.accessControlAllowCredentials == true
	not k8s.namespace_in(traefik.setting("corsNamespaces", []))
}
