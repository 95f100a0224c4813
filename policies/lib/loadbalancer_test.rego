package lib.loadbalancer_test

import data.lib.loadbalancer as lb

test_each_provider_reads_only_its_key if {
	keys := {
		"aws": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
		"gcp": {"networking.gke.io/load-balancer-type": "Internal"},
		"azure": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
		"oci": {"service.beta.kubernetes.io/oci-load-balancer-internal": "true"},
		"digitalocean": {"service.beta.kubernetes.io/do-loadbalancer-network": "INTERNAL"},
		"openstack": {"service.beta.kubernetes.io/openstack-internal-load-balancer": "true"},
		"alibaba": {"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet"},
		"ibm": {"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "private"},
	}
	every p, a in keys {
		lb.cloud_internal(p, a)
	}
	every p, _ in keys {
		every q, a in keys {
			same_or_not_internal(p, q, a)
		}
	}
	object.keys(keys) == lb.providers
}

same_or_not_internal(p, q, _) if p == q

same_or_not_internal(p, q, a) if {
	p != q
	not lb.cloud_internal(p, a)
}

test_aws_both_readers_must_agree if {
	lb.cloud_internal("aws", {"service.beta.kubernetes.io/aws-load-balancer-internal": "1"})
	not lb.cloud_internal("aws", {"service.beta.kubernetes.io/aws-load-balancer-internal": "False"})
	not lb.cloud_internal("aws", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"})
	not lb.cloud_internal("aws", {
		"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
		"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
	})
	lb.cloud_internal("aws", {
		"service.beta.kubernetes.io/aws-load-balancer-type": "nlb-ip",
		"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
	})
	not lb.cloud_internal("aws", {"service.beta.kubernetes.io/aws-load-balancer-type": "external"})
}

test_lbc_scheme_first if {
	lb.lbc_internal({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"})
	lb.lbc_internal({"service.beta.kubernetes.io/aws-load-balancer-internal": "TRUE"})
	not lb.lbc_internal({})
	not lb.lbc_internal({"service.beta.kubernetes.io/aws-load-balancer-scheme": "Internal"})
	not lb.lbc_internal({
		"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
		"service.beta.kubernetes.io/aws-load-balancer-internal": "true",
	})
}

test_gcp_first_present_key if {
	lb.cloud_internal("gcp", {"cloud.google.com/load-balancer-type": "internal"})
	not lb.cloud_internal("gcp", {"networking.gke.io/load-balancer-type": "", "cloud.google.com/load-balancer-type": "Internal"})
}

test_oci_type if {
	lb.cloud_internal("oci", {"oci.oraclecloud.com/load-balancer-type": "nlb", "oci-network-load-balancer.oraclecloud.com/internal": "t"})
	not lb.cloud_internal("oci", {"oci.oraclecloud.com/load-balancer-type": "nlb", "service.beta.kubernetes.io/oci-load-balancer-internal": "true"})
	lb.cloud_internal("oci", {"oci.oraclecloud.com/load-balancer-type": "other", "service.beta.kubernetes.io/oci-load-balancer-internal": "true"})
	not lb.cloud_internal("oci", {"service.beta.kubernetes.io/oci-load-balancer-internal": "yes"})
}

test_classes if {
	lb.class_internal("networking.gke.io/l4-regional-internal", {}, set())
	not lb.class_internal("networking.gke.io/l4-regional-external", {}, set())
	lb.class_internal("service.k8s.aws/nlb", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}, set())
	not lb.class_internal("service.k8s.aws/nlb", {}, set())
	lb.class_internal("example.com/private-pool", {}, {"example.com/private-pool"})
	not lb.class_internal("example.com/private-pool", {}, set())
	lb.known_class("service.k8s.aws/nlb")
	not lb.known_class("example.com/private-pool")
}

test_source_ranges if {
	lb.source_ranges({"spec": {"loadBalancerSourceRanges": ["10.0.0.0/8", 5]}}) == ["10.0.0.0/8", ""]
	lb.source_ranges({"spec": {"loadBalancerSourceRanges": []}, "metadata": {"annotations": {"service.beta.kubernetes.io/load-balancer-source-ranges": " 10.0.0.0/8,192.168.0.0/16 "}}}) == ["10.0.0.0/8", "192.168.0.0/16"]
	lb.source_ranges({"spec": {}, "metadata": {"annotations": {"service.beta.kubernetes.io/load-balancer-source-ranges": "  "}}}) == []
	lb.source_ranges({"spec": {}}) == []
}
