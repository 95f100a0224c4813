package kong.upstream_tls_verify_test

import data.kong.upstream_tls_verify

request(operation, annotations) := {"request": {
	"kind": {"group": "", "version": "v1", "kind": "Service"},
	"name": "api",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "v1",
		"kind": "Service",
		"metadata": {"name": "api", "namespace": "shop", "annotations": annotations},
		"spec": {"ports": [{"port": 443, "targetPort": 8443}], "selector": {"app": "api"}},
	},
}}

verify(v) := request("CREATE", {"konghq.com/protocol": "https", "konghq.com/tls-verify": v})

test_false_denied if {
	upstream_tls_verify.deny == {"Service shop/api: konghq.com/tls-verify is \"false\", so Kong accepts any certificate from this upstream and a machine in the path can read and change the proxied traffic; set konghq.com/tls-verify: \"true\" with konghq.com/ca-certificates-secrets naming the upstream's CA"} with input as verify("false")
	count(upstream_tls_verify.deny) == 1 with input as request("AUDIT", {"konghq.com/tls-verify": "false"})
}

# ExtractTLSVerify uses strconv.ParseBool: every false spelling it accepts.
test_parse_bool_false_spellings_denied if {
	every v in ["0", "f", "F", "FALSE", "false", "False"] {
		count(upstream_tls_verify.deny) == 1 with input as verify(v)
		count(upstream_tls_verify.warn) == 0 with input as verify(v)
	}
}

test_true_allowed if {
	every v in ["1", "t", "T", "TRUE", "true", "True"] {
		count(upstream_tls_verify.deny) == 0 with input as verify(v)
		count(upstream_tls_verify.warn) == 0 with input as verify(v)
	}
}

# Values ParseBool refuses are dropped: Kong's default (nginx proxy_ssl_verify off).
test_unparsable_warned if {
	every v in ["no", "off", " false", "false ", "", "yes"] {
		count(upstream_tls_verify.deny) == 0 with input as verify(v)
		count(upstream_tls_verify.warn) == 1 with input as verify(v)
	}
}

test_tls_upstream_without_verify_warned if {
	upstream_tls_verify.warn == {"Service shop/api: konghq.com/protocol is \"https\" but konghq.com/tls-verify is not set, so Kong encrypts the connection to the upstream without checking its certificate (tls_verify unset keeps nginx's proxy_ssl_verify off); set konghq.com/tls-verify: \"true\" with konghq.com/ca-certificates-secrets"} with input as request("CREATE", {"konghq.com/protocol": "https"})
	count(upstream_tls_verify.warn) == 1 with input as request("CREATE", {"konghq.com/protocol": "grpcs"})
	count(upstream_tls_verify.warn) == 0 with input as request("CREATE", {"konghq.com/protocol": "http"})
	count(upstream_tls_verify.warn) == 0 with input as request("CREATE", {"konghq.com/plugins": "rate-limit"})
}

test_not_kong_delete_other_group_not_judged if {
	count(upstream_tls_verify.deny) == 0 with input as request("CREATE", {"example.com/tls-verify": "false"})
	r := verify("false")
	count(upstream_tls_verify.deny) == 0 with input as json.patch(r, [{"op": "replace", "path": "/request/operation", "value": "DELETE"}, {"op": "add", "path": "/request/oldObject", "value": r.request.object}, {"op": "remove", "path": "/request/object"}])

	# Knative's Service is not core's
	count(upstream_tls_verify.deny) == 0 with input as json.patch(r, [{"op": "replace", "path": "/request/kind/group", "value": "serving.knative.dev"}])
}
