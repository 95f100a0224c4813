package istio.dr_insecure_skip_verify_test

import data.istio.dr_insecure_skip_verify as d

request(op, group, spec) := {"request": {
	"uid": "1",
	"kind": {"group": group, "version": "v1", "kind": "DestinationRule"},
	"name": "payments",
	"namespace": "shop",
	"operation": op,
	"object": {
		"apiVersion": sprintf("%s/v1", [group]),
		"kind": "DestinationRule",
		"metadata": {"name": "payments", "namespace": "shop"},
		"spec": spec,
	},
}}

skip := {"mode": "SIMPLE", "insecureSkipVerify": true}

req(spec) := request("CREATE", "networking.istio.io", object.union({"host": "payments.example.com"}, spec))

test_top_level_denied if {
	denies := d.deny with input as req({"trafficPolicy": {"tls": skip}})
	denies == {"DestinationRule shop/payments: spec.trafficPolicy.tls.insecureSkipVerify is true, so the proxy accepts any certificate from \"payments.example.com\" and anyone who intercepts the connection can impersonate it; remove it and give the upstream's CA (credentialName, caCertCredentialName or caCertificates) with subjectAltNames"}
}

test_every_location if {
	denies := d.deny with input as req({
		"trafficPolicy": {"portLevelSettings": [{"port": {"number": 443}, "tls": skip}]},
		"subsets": [
			{"name": "v1", "labels": {"v": "1"}, "trafficPolicy": {"tls": skip}},
			{"name": "v2", "labels": {"v": "2"}, "trafficPolicy": {"portLevelSettings": [{"port": {"number": 8443}}, {"port": {"number": 443}, "tls": skip}]}},
		],
	})
	count(denies) == 3
	some a in denies
	contains(a, "spec.trafficPolicy.portLevelSettings[0].tls.insecureSkipVerify")
	some b in denies
	contains(b, "spec.subsets[0].trafficPolicy.tls.insecureSkipVerify")
	some c in denies
	contains(c, "spec.subsets[1].trafficPolicy.portLevelSettings[1].tls.insecureSkipVerify")
}

test_verified_passes if {
	count(d.deny) == 0 with input as req({"trafficPolicy": {"tls": {"mode": "SIMPLE", "insecureSkipVerify": false}}})
	count(d.deny) == 0 with input as req({"trafficPolicy": {"tls": {"mode": "SIMPLE", "credentialName": "ca"}}})
	count(d.deny) == 0 with input as req({})
}

test_not_judged if {
	spec := {"host": "x", "trafficPolicy": {"tls": skip}}
	count(d.deny) == 0 with input as request("DELETE", "networking.istio.io", spec)
	count(d.deny) == 0 with input as request("CREATE", "networking.example.io", spec)
	count(d.deny) == 1 with input as request("AUDIT", "networking.istio.io", spec)
}
