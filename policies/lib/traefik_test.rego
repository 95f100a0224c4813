package lib.traefik_test

import data.lib.traefik

# host_probe: what a rule gives a request for a host it does not name.
test_host_probe if {
	cases := {
		"Host(`a.example.com`)": "F",
		"Host(`a.example.com`) && PathPrefix(`/x`)": "F",
		"PathPrefix(`/`)": "U",
		"Host(`a`) || PathPrefix(`/x`)": "U",
		"!Host(`a`)": "T",
		"!!Host(`a`)": "F",
		"Host(`*`)": "T",
		"HostRegexp(`.*`)": "T",
		"HostRegexp(`^[a-z]+\\.example\\.com$`)": "F",
		"(Host(`a`) || Host(`b`)) && Path(`/x`)": "F",
		"Host(`a`) && !Path(`/x`) || Method(`GET`) && Host(`b`)": "F",
		"Host(`a`) && (Path(`/x`) || Host(`*`))": "F",
		"host(`a`)": "F",
		"HOST(`a`)": "F",
		"hOST(`a`)": "X",
		"Host(`a`) /* c */": "X",
		"Host(\"\\x2a\")": "X",
		"Host(\"a.example.com\")": "F",
		"Host(`a`, `b`)": "X",
		"": "X",
		"Host(`a`) &&": "X",
		"((Host(`a`))": "X",
	}
	every rule, want in cases {
		traefik.host_probe(rule, "http", "v3") == want
	}
}

test_host_probe_tcp if {
	traefik.host_probe("HostSNI(`*`)", "tcp", "v3") == "T"
	traefik.host_probe("HostSNI(`db.example.com`)", "tcp", "v3") == "F"
	traefik.host_probe("ClientIP(`10.0.0.0/8`)", "tcp", "v3") == "U"

	# HTTP matchers are not TCP ones.
	traefik.host_probe("Host(`db.example.com`)", "tcp", "v3") == "X"
}

test_host_probe_v2 if {
	traefik.host_probe("Host(`a`, `b`)", "http", "v2") == "F"
	traefik.host_probe("HostHeader(`a`)", "http", "v2") == "F"
	traefik.host_probe("HostRegexp(`{sub:[a-z]+}.example.com`)", "http", "v2") == "F"
	traefik.host_probe("HostRegexp(`{any:.*}`)", "http", "v2") == "T"

	# HostHeader is v2 only.
	traefik.host_probe("HostHeader(`a`)", "http", "v3") == "X"
}

test_route_syntax if {
	traefik.route_syntax({"syntax": "v2"}) == "v2"
	traefik.route_syntax({"syntax": "V2"}) == "v3"
	traefik.route_syntax({}) == "v3"
	traefik.route_syntax({}) == "v2" with data.apiguard.config as {"traefik": {"defaultRuleSyntax": "v2"}}
}

test_entry_points if {
	traefik.entry_points({"entryPoints": ["web"]}) == ["web"]
	traefik.entry_points({}) == ["web", "websecure"]
	traefik.entry_points({"entryPoints": []}) == ["web", "websecure"]
	traefik.public_entry_point("anything")
	not traefik.public_entry_point("web") with data.apiguard.config as {"traefik": {"publicEntryPoints": ["websecure"]}}
}
