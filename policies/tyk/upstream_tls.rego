# METADATA
# title: Tyk ApiDefinition must verify upstream TLS
# description: >-
#   Denies a Tyk ApiDefinition (tyk.tyk.io) with
#   spec.proxy.transport.ssl_insecure_skip_verify: true, which lets anyone on the
#   path impersonate the upstream, and spec.proxy.transport.ssl_min_version 769 or
#   770 (TLS 1.0 or 1.1: Go's tls.VersionTLS10/11, as Tyk reads the field; the
#   CRD's enum is 769, 770, 771, 772), protocol versions with known attacks that
#   an on-path attacker can downgrade the upstream connection to; Tyk applies the
#   API's value after the gateway-wide proxy_ssl_min_version, so it lowers even a
#   hardened gateway's floor (gateway/reverse_proxy.go). Warns when spec.proxy.target_url (or an entry
#   of spec.proxy.target_list) is a plain http:// URL to a host outside the
#   cluster. In-cluster hosts are *.svc, *.svc.cluster.local, a bare service name
#   without dots, and name.namespace when namespace is the ApiDefinition's own
#   namespace (a single-dot name such as example.com is treated as external).
# custom:
#   kinds: [tyk.tyk.io/ApiDefinition]
#   severity: high
#   field: spec.proxy.transport
#   remediation: >-
#     Remove ssl_insecure_skip_verify and trust the upstream's CA instead; use an
#     https:// target_url for upstreams outside the cluster.
package tyk.upstream_tls

import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	k8s.spec.proxy.transport.ssl_insecure_skip_verify == true
	msg := sprintf(
		"%s: spec.proxy.transport.ssl_insecure_skip_verify is true, so the gateway accepts any upstream certificate; remove it and have the gateway trust the upstream's CA, or pin the upstream key with spec.pinned_public_keys",
		[k8s.display],
	)
}

deny contains msg if {
	applies
	v := k8s.spec.proxy.transport.ssl_min_version
	weak_versions[v]
	msg := sprintf(
		"%s: spec.proxy.transport.ssl_min_version is %d (%s), so the gateway accepts an upstream connection downgraded to it; set ssl_min_version: 771 (TLS 1.2) or 772 (TLS 1.3)",
		[k8s.display, v, weak_versions[v]],
	)
}

# Go's crypto/tls version numbers, which Tyk's ssl_min_version holds.
weak_versions := {769: "TLS 1.0", 770: "TLS 1.1"}

warn contains msg if {
	applies
	some [field, url] in target_urls
	host := plain_http_host(url)
	not in_cluster(host)
	msg := sprintf(
		"%s: %s %q sends traffic to %s unencrypted over plain HTTP; use an https:// URL",
		[k8s.display, field, url, host],
	)
}

applies if {
	k8s.is_check
	k8s.group == "tyk.tyk.io"
	k8s.kind == "ApiDefinition"
}

# target_urls pairs a field description with each upstream URL: a set of pairs, since
# OPA checks each key of a partial object against every key before it (quadratic in a
# long target_list).
target_urls contains [field, url] if {
	field := "spec.proxy.target_url"
	url := k8s.spec.proxy.target_url
	is_string(url)
}

target_urls contains [field, url] if {
	some i, url in k8s.array_at(k8s.spec.proxy, "target_list")
	is_string(url)
	field := sprintf("spec.proxy.target_list[%d]", [i])
}

# plain_http_host is the lower-case host of an http:// URL, without userinfo and port.
plain_http_host(url) := host if {
	lower_url := lower(trim_space(url))
	startswith(lower_url, "http://")
	rest := substring(lower_url, count("http://"), -1)
	authority := split(split(split(rest, "/")[0], "?")[0], "#")[0]
	parts := split(authority, "@")
	hostport := parts[count(parts) - 1]
	host := strip_port(hostport)
	host != ""
}

# An IPv6 literal keeps its brackets; otherwise everything after ":" is the port.
strip_port(hostport) := host if {
	startswith(hostport, "[")
	address := split(hostport, "]")[0]
	host := sprintf("%s]", [address])
} else := split(hostport, ":")[0]

in_cluster(host) if endswith(host, ".svc")

in_cluster(host) if endswith(host, ".svc.cluster.local")

in_cluster(host) if {
	host != ""
	not contains(host, ".")
	not startswith(host, "[")
}

in_cluster(host) if {
	labels := split(host, ".")
	count(labels) == 2
	labels[0] != ""
	labels[1] == k8s.namespace
}
