package emissary.mapping_cors_test

import data.emissary.mapping_cors

request(operation, cors) := {"request": {
	"uid": "1",
	"kind": {"group": "getambassador.io", "version": "v3alpha1", "kind": "Mapping"},
	"name": "api",
	"namespace": "shop",
	"operation": operation,
	"object": {
		"apiVersion": "getambassador.io/v3alpha1",
		"kind": "Mapping",
		"metadata": {"name": "api", "namespace": "shop"},
		"spec": {"hostname": "api.example.com", "prefix": "/api/", "service": "api", "cors": cors},
	},
}}

cors(origins, credentials) := {"origins": origins, "credentials": credentials, "methods": ["GET", "POST"]}

deny_msg := "Mapping shop/api: spec.cors allows credentials from any origin (\"*\" in origins with credentials: true), so any web site can call the API as a logged-in user and read the answer; list the exact origins, for example https://app.example.com"

test_star_with_credentials_denied if {
	every op in ["CREATE", "UPDATE", "AUDIT"] {
		mapping_cors.deny == {deny_msg} with input as request(op, cors(["*"], true))
	}
	mapping_cors.deny == {deny_msg} with input as request("CREATE", cors(["https://app.example.com", "*"], true))
}

# Attacker spellings: "null" (sandboxed iframes), and "*" hidden in a comma-separated
# entry, which the v2 storage version splits again (v2CommaSeparatedOrigins).
test_variants_denied if {
	every o in ["null", "https://app.example.com,*", "https://app.example.com, *", "https://app.example.com,null"] {
		count(mapping_cors.deny) == 1 with input as request("CREATE", cors([o], true))
	}
}

# Exact origins (Emissary's CORS docs), "*" without credentials, and look-alikes
# that Envoy's exact matcher never reads as any origin.
test_allowed if {
	every o in ["https://app.example.com", "http://localhost:3000", "https://*.example.com", "NULL", "*.example.com"] {
		count(mapping_cors.deny) == 0 with input as request("CREATE", cors([o], true))
	}
	count(mapping_cors.deny) == 0 with input as request("CREATE", cors(["*"], false))
	count(mapping_cors.deny) == 0 with input as request("CREATE", object.remove(cors(["*"], true), ["credentials"]))
	count(mapping_cors.deny) == 0 with input as request("CREATE", {})
	count(mapping_cors.deny) == 0 with input as request("CREATE", {"credentials": true})
}

test_delete_and_other_group_not_judged if {
	req := request("DELETE", cors(["*"], true))
	del := json.patch(req, [{"op": "add", "path": "/request/oldObject", "value": req.request.object}])
	count(mapping_cors.deny) == 0 with input as del
	other := json.patch(request("CREATE", cors(["*"], true)), [{"op": "replace", "path": "/request/kind/group", "value": "example.com"}])
	count(mapping_cors.deny) == 0 with input as other
}
