package service.safe_external_name_test

import data.lib.net
import data.service.safe_external_name as policy

external(name) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "alias", "namespace": "demo"},
	"spec": {"type": "ExternalName", "externalName": name},
}

request(operation, obj) := {"request": {
	"uid": "1",
	"kind": {"group": "", "version": "v1", "kind": "Service"},
	"name": "alias",
	"namespace": "demo",
	"operation": operation,
	"object": obj,
}}

denied(name) if {
	count(policy.deny) >= 1 with input as request("CREATE", external(name))
	count(policy.warn) == 0 with input as request("CREATE", external(name))
}

allowed(name) if {
	count(policy.deny) == 0 with input as request("CREATE", external(name))
	count(policy.warn) == 0 with input as request("CREATE", external(name))
}

test_public_names_allowed if {
	every n in ["db.example.com", "db.example.com.", "api.stripe.com", "my-db.abc123.eu-west-1.rds.amazonaws.com", "localhost.example.com", "metadata.example.com"] {
		allowed(n)
	}
}

test_loopback_and_metadata_addresses_denied if {
	every n in [
		"127.0.0.1", "127.0.0.1.", "127.1", "127.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.255.255.254",
		"0.0.0.0", "0",
		"169.254.169.254", "2852039166", "0xa9fea9fe", "0xa9.0xfe.0xa9.0xfe", "0251.0376.0251.0376", "169.254.170.2",
		"100.100.100.200", "168.63.129.16",
	] {
		denied(n)
	}
	msgs := policy.deny with input as request("CREATE", external("0xa9fea9fe"))
	some msg in msgs
	contains(msg, "169.254.169.254")
	contains(msg, "metadata")
}

test_loopback_and_metadata_names_denied if {
	every n in [
		"localhost", "localhost.", "LOCALHOST", "api.localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "localhost6",
		"metadata.google.internal", "metadata.google.internal.", "computemetadata.metadata.google.internal",
		"instance-data", "instance-data.ec2.internal", "instance-data.eu-west-1.compute.internal",
		"169.254.169.254.nip.io", "127-0-0-1.sslip.io", "anything.localtest.me", "lvh.me",
	] {
		denied(n)
	}
}

test_single_label_denied if {
	every n in ["redis", "kubernetes", "metadata"] {
		denied(n)
	}
}

test_other_namespace_services_denied if {
	every n in [
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "kubernetes.default.svc.cluster.local.",
		"vault.secrets.svc", "Vault.Secrets.SVC.Cluster.Local", "pod-0.db.other.svc.cluster.local",
	] {
		denied(n)
	}
	msgs := policy.deny with input as request("CREATE", external("vault.secrets.svc.cluster.local"))
	some msg in msgs
	contains(msg, `namespace "secrets"`)
}

test_same_namespace_service_allowed if {
	every n in ["web.demo.svc", "web.demo.svc.cluster.local", "web.demo.svc.cluster.local."] {
		allowed(n)
	}
}

test_pod_names_denied if {
	every n in ["169-254-169-254.default.pod.cluster.local", "10-0-0-1.demo.pod", "127-0-0-1.demo.pod.cluster.local."] {
		denied(n)
	}
}

test_other_cluster_domains if {
	cfg := {"service": {"clusterDomains": ["corp.k8s"]}}
	count(policy.deny) == 1 with input as request("CREATE", external("vault.secrets.svc.corp.k8s")) with data.apiguard.config as cfg
	count(policy.deny) == 0 with input as request("CREATE", external("vault.secrets.svc.cluster.local")) with data.apiguard.config as cfg
	count(policy.deny) == 1 with input as request("CREATE", external("vault.secrets.svc")) with data.apiguard.config as cfg
}

test_other_ip_addresses_warned if {
	every n in ["203.0.113.10", "10.0.0.5", "8.8.8.8"] {
		count(policy.deny) == 0 with input as request("CREATE", external(n))
		count(policy.warn) == 1 with input as request("CREATE", external(n))
	}
}

test_only_external_name_services if {
	obj := json.patch(external("127.0.0.1"), [{"op": "replace", "path": "/spec/type", "value": "ClusterIP"}])
	count(policy.deny) == 0 with input as request("CREATE", obj)
	req := json.patch(request("CREATE", external("127.0.0.1")), [{"op": "replace", "path": "/request/kind/group", "value": "serving.knative.dev"}])
	count(policy.deny) == 0 with input as req
}

test_update_audit_denied_delete_not if {
	count(policy.deny) == 1 with input as request("UPDATE", external("localhost"))
	count(policy.deny) == 1 with input as request("AUDIT", external("localhost"))
	del := {"request": {
		"kind": {"group": "", "version": "v1", "kind": "Service"},
		"namespace": "demo",
		"operation": "DELETE",
		"object": null,
		"oldObject": external("localhost"),
	}}
	count(policy.deny) == 0 with input as del
}

test_exempt_namespaces if {
	count(policy.deny) == 0 with input as request("CREATE", external("localhost")) with data.apiguard.config as {"service": {"externalNameNamespaces": ["de*"]}}
	count(policy.deny) == 1 with input as request("CREATE", external("localhost")) with data.apiguard.config as {"service": {"externalNameNamespaces": "demo"}}
}

test_search_path_names if {
	every n in ["kubernetes.default", "kube-dns.kube-system", "x.y.z.kube-public"] {
		denied(n)
	}

	# Fully qualified (trailing dot): no search path.
	allowed("kubernetes.default.")
	allowed("api.payments")
	count(policy.deny) == 1 with input as request("CREATE", external("api.payments")) with data.apiguard.config as {"service": {"protectedNamespaces": ["payments"]}}
	count(policy.deny) == 0 with input as request("CREATE", external("api.demo")) with data.apiguard.config as {"service": {"protectedNamespaces": ["demo"]}}
}

# The written-out ranges are what lib.net reads the CIDRs as, and every
# wildcard DNS name has the two labels the suffix lookup relies on.
test_denied_ranges_are_parsed_cidrs if {
	every cidr, _ in policy.denied_blocks {
		policy.denied_ranges[cidr] == net.parse_cidr(cidr)
	}
	count(policy.denied_ranges) == count(policy.denied_blocks)
}

test_wildcard_dns_names_have_two_labels if {
	policy.wildcard_dns_names == {n | some n in policy.wildcard_dns}
	every n in policy.wildcard_dns {
		count(split(n, ".")) == 2
	}
}

test_wildcard_dns_variants if {
	every n in ["nip.io", "x.nip.io", "127.0.0.1.nip.io", "a..sslip.io", "x.lvh.me", "localtest.me", "NIP.IO.", "a.b.xip.io"] {
		count(policy.deny) == 1 with input as request("CREATE", external(n))
	}
	every n in ["nip.io.example.com", "notnip.io", "lvh.me.evil.example", "xip.iox"] {
		count(policy.deny) == 0 with input as request("CREATE", external(n))
	}
}

test_cluster_names_need_svc_or_pod_label if {
	count(policy.deny) == 1 with input as request("CREATE", external("a.other.svc"))
	count(policy.deny) == 1 with input as request("CREATE", external("1-2-3-4.other.pod.cluster.local"))
	count(policy.deny) == 0 with input as request("CREATE", external("svc.example.com"))
	count(policy.deny) == 0 with input as request("CREATE", external("a.svcx.example.com"))
}

test_protected_is_protected_namespaces if {
	every ns in ["default", "kube-system", "kube-public", "kube-node-lease", "payments", "com", "demo"] {
		want := ns in policy.protected_namespaces with data.apiguard.config.service.protectedNamespaces as ["payments"]
		protected_bool(ns) == want with data.apiguard.config.service.protectedNamespaces as ["payments"]
	}
	protected_bool("payments") with data.apiguard.config.service.protectedNamespaces as ["payments"]
	not protected_bool("payments") with data.apiguard.config.service.protectedNamespaces as ["payments", 7]
	not protected_bool("payments") with data.apiguard.config.service.protectedNamespaces as "payments"
	protected_bool("default") with data.apiguard.config.service.protectedNamespaces as "payments"
}

protected_bool(ns) if policy.protected(ns)

else := false
