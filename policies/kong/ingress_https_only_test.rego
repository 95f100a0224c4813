package kong.ingress_https_only_test

import data.kong.ingress_https_only

request(operation, annotations) := {"request": {
	"kind": {"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
	"name": "api",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "Ingress",
		"metadata": {"name": "api", "namespace": "shop", "annotations": annotations},
		"spec": {"ingressClassName": "kong", "rules": [{"host": "api.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 80}}}}]}}]},
	},
}}

protocols(v) := request("CREATE", {"konghq.com/protocols": v})

test_http_denied if {
	ingress_https_only.deny == {"Ingress shop/api: Kong serves its routes over http (konghq.com/protocols: \"http\"), so the API answers in clear text and credentials and tokens cross the network unencrypted; set konghq.com/protocols: \"https\" (or grpcs, wss), with konghq.com/https-redirect-status-code: \"301\" to redirect plain HTTP clients"} with input as protocols("http")
	count(ingress_https_only.deny) == 1 with input as request("AUDIT", {"konghq.com/protocols": "http"})
	count(ingress_https_only.deny) == 1 with input as request("UPDATE", {"konghq.com/protocols": "http"})
}

# Items are split on "," and trimmed (extractCommaDelimitedStrings).
test_lists_with_http_denied if {
	every v in ["http,https", "https, http", " https ,\thttp ", "https,,http", "ws,wss", "grpc", "https,grpc,grpcs"] {
		count(ingress_https_only.deny) == 1 with input as protocols(v)
	}
}

# normalizeProtocols: a grpc protocol mixed with an http one, or with an unknown one,
# becomes http,https.
test_grpc_mixed_becomes_http if {
	ingress_https_only.deny == {"Ingress shop/api: Kong serves its routes over http, https (konghq.com/protocols mixes a grpc protocol with an http or unknown one, which Kong Ingress Controller replaces by http, https), so the API answers in clear text and credentials and tokens cross the network unencrypted; set konghq.com/protocols: \"https\" (or grpcs, wss), with konghq.com/https-redirect-status-code: \"301\" to redirect plain HTTP clients"} with input as protocols("grpcs,https")
	count(ingress_https_only.deny) == 1 with input as protocols("grpcs,GRPCS")
}

# An empty annotation (or only commas and spaces) leaves Kong's default, http and https.
test_empty_annotation_denied if {
	count(ingress_https_only.deny) == 1 with input as protocols("")
	count(ingress_https_only.deny) == 1 with input as protocols(" , ")
}

test_https_only_allowed if {
	every v in ["https", " https ", "https,wss", "grpcs", "https,https"] {
		count(ingress_https_only.deny) == 0 with input as protocols(v)
		count(ingress_https_only.warn) == 0 with input as protocols(v)
	}
	r := request("CREATE", {"konghq.com/protocols": "https", "konghq.com/https-redirect-status-code": "301"})
	count(ingress_https_only.deny) == 0 with input as r
	count(ingress_https_only.warn) == 0 with input as r
}

# No annotation: Kong's default http,https, warned (denied with kong.requireProtocols).
test_default_protocols_warned if {
	r := request("CREATE", {"konghq.com/strip-path": "true"})
	count(ingress_https_only.deny) == 0 with input as r
	ingress_https_only.warn == {"Ingress shop/api: no konghq.com/protocols, so Kong's default protocols (http, https) apply and the API also answers in clear text; set konghq.com/protocols: \"https\" (or grpcs, wss), with konghq.com/https-redirect-status-code: \"301\" to redirect plain HTTP clients"} with input as r
	count(ingress_https_only.deny) == 1 with input as r with data.apiguard.config as {"kong": {"requireProtocols": true}}
}

# force-ssl-redirect exactly "true" makes the route https; an explicit valid list
# still replaces it (overrideProtocols runs after overrideHTTPSRedirectCode).
test_force_ssl_redirect if {
	r := request("CREATE", {"konghq.com/strip-path": "true", "ingress.kubernetes.io/force-ssl-redirect": "true"})
	count(ingress_https_only.deny) == 0 with input as r
	count(ingress_https_only.warn) == 0 with input as r
	count(ingress_https_only.warn) == 1 with input as request("CREATE", {"konghq.com/strip-path": "true", "ingress.kubernetes.io/force-ssl-redirect": "True"})
	count(ingress_https_only.deny) == 1 with input as request("CREATE", {"konghq.com/protocols": "http", "ingress.kubernetes.io/force-ssl-redirect": "true"})

	# an invalid list is not applied, so force-ssl-redirect's https stands
	count(ingress_https_only.deny) == 0 with input as request("CREATE", {"konghq.com/protocols": "HTTP", "ingress.kubernetes.io/force-ssl-redirect": "true"})
}

# Protocols are case-sensitive: "HTTPS" is unknown, left in the route, refused by Kong.
test_unknown_protocol_warned if {
	r := protocols("HTTPS")
	count(ingress_https_only.deny) == 0 with input as r
	ingress_https_only.warn == {"Ingress shop/api: konghq.com/protocols lists \"HTTPS\", which Kong Ingress Controller does not accept (protocols are lower case: http, https, grpc, grpcs, ws, wss, tls, tcp, tls_passthrough), so Kong refuses the route; list https"} with input as r
	count(ingress_https_only.deny) == 1 with input as protocols("HTTPS,http")
}

test_not_kong_not_judged if {
	count(ingress_https_only.deny) == 0 with input as request("CREATE", {})
	count(ingress_https_only.warn) == 0 with input as request("CREATE", {"nginx.ingress.kubernetes.io/ssl-redirect": "false"})
	count(ingress_https_only.deny) == 0 with input as request("CREATE", {"example.com/protocols": "http"})
}

test_delete_and_other_group_not_judged if {
	r := protocols("http")
	count(ingress_https_only.deny) == 0 with input as json.patch(r, [{"op": "replace", "path": "/request/operation", "value": "DELETE"}, {"op": "add", "path": "/request/oldObject", "value": r.request.object}, {"op": "remove", "path": "/request/object"}])
	count(ingress_https_only.deny) == 0 with input as json.patch(r, [{"op": "replace", "path": "/request/kind/group", "value": "extensions"}])
}
