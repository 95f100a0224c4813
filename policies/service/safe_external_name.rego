# METADATA
# title: ExternalName Service must not point at the node, cloud metadata or another namespace
# description: >-
#   An ExternalName Service makes cluster DNS answer its name with a CNAME to
#   spec.externalName, and proxies that accept ExternalName backends (ingress-nginx
#   resolves the name itself, with the search path and ndots of its pod) connect
#   to whatever that name resolves to. So a Service in one namespace can send an
#   Ingress's traffic, or any client's, to the node's loopback, the cloud
#   metadata endpoint, or another namespace's Service. Denied for type
#   ExternalName, after the API server's reading (the trailing dot trimmed, the
#   rest a DNS-1123 subdomain, so lower case; apiguard lower-cases too):
#   numeric names a resolver reads as an address (inet_aton: "127.0.0.1",
#   "127.1", "2130706433", "0x7f000001", "0177.0.0.1") in 0.0.0.0/8,
#   127.0.0.0/8, 169.254.0.0/16 (link-local, AWS/GCP/Azure/OCI metadata),
#   100.100.100.200 (Alibaba metadata) or 168.63.129.16 (Azure host endpoint);
#   localhost and *.localhost (RFC 6761), the /etc/hosts loopback names
#   (localhost.localdomain, localhost6, ip6-localhost, ip6-loopback);
#   metadata.google.internal and AWS's instance-data names; names under the
#   wildcard DNS services that answer with the address the name spells (nip.io,
#   sslip.io, xip.io) or always loopback (localtest.me, lvh.me); single-label
#   names, which resolve through the search path of whichever pod resolves them
#   (an ingress controller: its own namespace); <service>.<namespace>.svc and
#   .svc.<cluster domain> names of another namespace (the Service's own
#   namespace is fine); and pod names (<a-b-c-d>.<namespace>.pod.<cluster
#   domain>), which CoreDNS with "pods insecure" (kubeadm's default) answers
#   with whatever address the first label spells; and relative names with
#   fewer than five dots that end in default, kube-system, kube-public,
#   kube-node-lease or a namespace in service.protectedNamespaces (default []),
#   which the search path of a resolving pod (ndots:5) turns into that
#   namespace's Service ("kubernetes.default"). Any other IP address is
#   warned: DNS servers do not resolve it as an address, so it works only
#   through resolvers that parse it. Cluster domains:
#   data.apiguard.config.service.clusterDomains (default ["cluster.local"]).
#   Exempt: namespaces matching a glob in service.externalNameNamespaces
#   (default []). What a public name resolves to is not visible at admission
#   (DNS rebinding): block metadata egress at the node for that.
# custom:
#   kinds: [Service]
#   severity: high
#   field: spec.externalName
#   remediation: >-
#     Point spec.externalName at the external service's public DNS name; reach
#     another namespace's Service through a Gateway route with a ReferenceGrant
#     instead of an ExternalName alias; for a fixed address use a Service
#     without a selector and an EndpointSlice.
package service.safe_external_name

import data.lib.address
import data.lib.kubernetes as k8s

deny contains msg if {
	judged
	some why in problems
	msg := sprintf("%s: spec.externalName %q %s; point it at the external service's public DNS name", [k8s.display, raw, why])
}

warn contains msg if {
	judged
	count(problems) == 0
	ip := name_ip
	msg := sprintf(
		"%s: spec.externalName %q is an IP address (%s): DNS servers do not resolve it as one, so only clients that parse it reach it; use a Service without a selector and an EndpointSlice for a fixed address",
		[k8s.display, raw, address.ipv4_text(ip)],
	)
}

judged if {
	k8s.is_check
	k8s.group == ""
	k8s.kind == "Service"
	k8s.spec.type == "ExternalName"
	is_string(k8s.spec.externalName)
	not k8s.namespace_in(exempt_namespaces)
}

raw := k8s.spec.externalName

# name as the API server validates it: one trailing dot is the root.
name := lower(trim_suffix(raw, "."))

labels := split(name, ".")

# name_ip is the address a resolver reads name as (inet_aton), read once per
# evaluation; undefined for a host name.
name_ip := address.inet_aton_range(name)

problems contains why if {
	ip := name_ip
	some cidr, what in denied_blocks
	address.within(ip, denied_ranges[cidr])
	why := sprintf("is the address %s (%s), which a resolver reads it as", [address.ipv4_text(ip), what])
}

problems contains "names the node's loopback (RFC 6761 localhost, or an /etc/hosts loopback name)" if {
	loopback_name
}

problems contains "is a cloud metadata endpoint's name" if {
	metadata_name
}

# Every wildcard_dns name has two labels, so a name is that name or under it
# exactly when its last two labels spell it: one set lookup instead of a suffix
# test per entry (safe_external_name_test checks the two labels).
problems contains why if {
	count(labels) >= 2
	suffix := concat(".", array.slice(labels, count(labels) - 2, count(labels)))
	suffix in wildcard_dns_names
	why := sprintf("is under %s, whose DNS answers with the address the name spells (or loopback)", [suffix])
}

problems contains "is a single label, which resolves through the search path of whichever pod resolves it (for an ingress controller, a Service in the controller's own namespace)" if {
	count(labels) == 1
	not name_ip
	not loopback_name
}

problems contains why if {
	some [ns, kind] in cluster_names
	kind == "svc"
	ns != k8s.namespace
	why := sprintf("is a Service in namespace %q through cluster DNS, which an ExternalName alias in %q must not reach; route to it through a Gateway with a ReferenceGrant", [ns, k8s.namespace])
}

# A relative name (no trailing dot) with fewer dots than ndots (5 in pods) is
# tried under the resolving pod's search path first (<ns>.svc.<zone>,
# svc.<zone>, <zone>): ingress-nginx's resolver applies it (rootfs/etc/nginx/lua/
# util/dns.lua, resolv.conf search and ndots), so "<service>.<namespace>"
# reaches that namespace's Service. Judged for the namespaces every cluster has
# and those in service.protectedNamespaces: admission does not see which
# namespaces exist.
problems contains why if {
	not endswith(raw, ".")
	count(labels) >= 2
	count(labels) <= 5
	ns := labels[count(labels) - 1]
	protected(ns)
	ns != k8s.namespace
	why := sprintf("resolves through the cluster search path (svc.<cluster domain>, tried first for names with fewer than five dots) to a Service in namespace %q", [ns])
}

problems contains "is a pod DNS name, which CoreDNS with \"pods insecure\" answers with whatever address its first label spells" if {
	some [_, "pod"] in cluster_names
}

# denied_ranges is net.parse_cidr of each of denied_blocks' CIDRs, written out
# so that a decision parses none of them (safe_external_name_test checks them).
denied_ranges := {
	"0.0.0.0/8": {"lo": [0, 65535, 0], "last": [0, 65535, 16777215], "len": 104, "v6": false},
	"127.0.0.0/8": {"lo": [0, 65535, 2130706432], "last": [0, 65535, 2147483647], "len": 104, "v6": false},
	"169.254.0.0/16": {"lo": [0, 65535, 2851995648], "last": [0, 65535, 2852061183], "len": 112, "v6": false},
	"100.100.100.200/32": {"lo": [0, 65535, 1684301000], "last": [0, 65535, 1684301000], "len": 128, "v6": false},
	"168.63.129.16/32": {"lo": [0, 65535, 2822734096], "last": [0, 65535, 2822734096], "len": 128, "v6": false},
}

denied_blocks := {
	"0.0.0.0/8": "\"this network\": connects to the node itself",
	"127.0.0.0/8": "loopback",
	"169.254.0.0/16": "link-local, the cloud metadata endpoint 169.254.169.254",
	"100.100.100.200/32": "Alibaba Cloud metadata",
	"168.63.129.16/32": "the Azure host endpoint (WireServer)",
}

loopback_names := {"localhost", "localhost.localdomain", "localhost6", "localhost6.localdomain6", "ip6-localhost", "ip6-loopback"}

loopback_name if name in loopback_names

loopback_name if endswith(name, ".localhost")

# GCE: metadata.google.internal (and "metadata" through the google.internal search
# domain, a single label anyway); AWS: instance-data resolves to 169.254.169.254
# through the Amazon-provided DNS, bare or under the region's internal domain.
metadata_name if is_or_under(name, "metadata.google.internal")

metadata_name if labels[0] == "instance-data"

wildcard_dns := ["nip.io", "sslip.io", "xip.io", "localtest.me", "lvh.me"]

wildcard_dns_names := {"nip.io", "sslip.io", "xip.io", "localtest.me", "lvh.me"}

is_or_under(n, suffix) if n == suffix

is_or_under(n, suffix) if endswith(n, concat("", [".", suffix]))

# cluster_names holds [namespace, "svc" or "pod"] when the name is
# <...>.<name>.<namespace>.svc or .pod, bare or under a cluster domain: the
# kubernetes plugin of CoreDNS answers those (coredns/coredns plugin/kubernetes,
# parse.go: the label before "svc"/"pod" is the namespace).
# A "svc" or "pod" label after two others follows a dot, so a name without
# ".svc" or ".pod" has none: checked first, with one string search each.
cluster_names contains [labels[i - 1], l] if {
	cluster_candidate
	some i, l in labels
	l in {"svc", "pod"}
	i >= 2
	rest := concat(".", array.slice(labels, i + 1, count(labels)))
	in_cluster_zone(rest)
}

cluster_candidate if contains(name, ".svc")

cluster_candidate if contains(name, ".pod")

in_cluster_zone("")

in_cluster_zone(rest) if rest in cluster_domains

cluster_domains := {lower(trim_suffix(d, ".")) | some d in strings_at("clusterDomains", ["cluster.local"])}

exempt_namespaces := strings_at("externalNameNamespaces", [])

# protected(ns) is ns in protected_namespaces without building that set: the
# namespaces every cluster has first, then the configured list (read as
# strings_at reads it: a list with a non-string ignored whole).
protected(ns) if ns in {"default", "kube-system", "kube-public", "kube-node-lease"}

protected(ns) if {
	some n in k8s.setting(["service", "protectedNamespaces"], [])
	n == ns
	ns in strings_at("protectedNamespaces", [])
}

protected_namespaces := {n | some n in array.concat(
	["default", "kube-system", "kube-public", "kube-node-lease"],
	strings_at("protectedNamespaces", []),
)}

strings_at(key, fallback) := v if {
	v := k8s.setting(["service", key], fallback)
	is_array(v)
	every s in v {
		is_string(s)
	}
} else := fallback
