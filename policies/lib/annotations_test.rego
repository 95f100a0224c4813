package lib.annotations_test

import data.lib.annotations as ann

test_parse_bool_accepts_what_strconv_accepts if {
	every v in ["1", "t", "T", "TRUE", "true", "True"] {
		ann.parse_bool(v) == true
	}
	every v in ["0", "f", "F", "FALSE", "false", "False"] {
		ann.parse_bool(v) == false
	}
}

test_parse_bool_refuses_the_rest if {
	every v in [" true", "true ", "tRUE", "yes", "no", "on", "off", "y", "n", "", "2", "0x1", "\"true\"", true, false, 1, null] {
		not ann.is_bool(v)
	}
}

test_bool_or_default if {
	ann.bool_or_default({"k": "F"}, "k", true) == false
	ann.bool_or_default({"k": " false"}, "k", true) == true
	ann.bool_or_default({"k": "no"}, "k", false) == false
	ann.bool_or_default({}, "k", true) == true
	ann.bool_or_default({"K": "false"}, "k", true) == true
}

test_nginx_prefixes_default if {
	ann.nginx_prefixes == {"nginx.ingress.kubernetes.io"}
	ann.nginx_keys("ssl-redirect") == {"nginx.ingress.kubernetes.io/ssl-redirect"}
}

test_nginx_prefixes_configured if {
	ps := ann.nginx_prefixes with data.apiguard.config as {"ingress": {"nginxAnnotationPrefixes": ["a.example.com/", "nginx.ingress.kubernetes.io"]}}
	ps == {"a.example.com", "nginx.ingress.kubernetes.io"}
}

test_nginx_prefixes_malformed_use_default if {
	every bad in ["a.example.com", [], ["a", 3], [""], ["/"]] {
		ps := ann.nginx_prefixes with data.apiguard.config as {"ingress": {"nginxAnnotationPrefixes": bad}}
		ps == {"nginx.ingress.kubernetes.io"}
	}
}

test_haproxy_ingress_prefixes if {
	ann.haproxy_ingress_prefixes == {"haproxy-ingress.github.io", "ingress.kubernetes.io"}
	ps := ann.haproxy_ingress_prefixes with data.apiguard.config as {"ingress": {"haproxyIngressAnnotationPrefixes": ["h.example.com"]}}
	ps == {"h.example.com"}
}

test_nginx_bool_reads_the_object if {
	req := {"request": {"operation": "CREATE", "object": {"metadata": {"annotations": {
		"nginx.ingress.kubernetes.io/use-regex": "T",
		"x.io/use-regex": "maybe",
	}}}}}
	ann.nginx_bool("nginx.ingress.kubernetes.io", "use-regex", false) == true with input as req
	ann.nginx_bool("x.io", "use-regex", false) == false with input as req
	ann.nginx_bool("y.io", "use-regex", true) == true with input as req
}

test_nginx_annotation_case_insensitive_key if {
	req := {"request": {"operation": "CREATE", "object": {"metadata": {"annotations": {
		"NGINX.ingress.kubernetes.io/Auth-URL": "http://a",
		"nginx.ingress.kubernetes.io/auth-url-x": "http://b",
		"other.io/auth-url": "http://c",
	}}}}}
	found := ann.nginx_annotation("auth-url") with input as req
	found == {["NGINX.ingress.kubernetes.io/Auth-URL", "http://a"]}
}

test_names_under if {
	ann.names_under("Haproxy-Ingress.github.io/config-backend", ann.haproxy_ingress_prefixes) == {"config-backend"}
	ann.names_under("haproxy.org/config-backend", ann.haproxy_ingress_prefixes) == set()
	ann.names_under("ingress.kubernetes.iox/config-backend", ann.haproxy_ingress_prefixes) == set()
}

test_nginx_url_with_variables if {
	ann.nginx_url_with_variables("https://auth.example.com/oauth2/auth")
	ann.nginx_url_with_variables("http://auth.svc.cluster.local:8080/verify?rd=$escaped_request_uri&x=1")
	ann.nginx_url_with_variables("http://a.example.com /x")
	not ann.nginx_url_with_variables("http://a.example.com/;\nload_module /tmp/x.so;#")
	not ann.nginx_url_with_variables(`http://a.example.com/"; }`)
	not ann.nginx_url_with_variables("http://a.example.com/%2e")
	not ann.nginx_url_with_variables(1)
}

test_nginx_server_name if {
	ann.nginx_server_name("https://mirror.example.com$request_uri")
	ann.nginx_server_name(" mirror.example.com ")
	ann.nginx_server_name("https://mirror.example.com${request_uri}")
	not ann.nginx_server_name("https://mirror.example.com; }")
	not ann.nginx_server_name("mirror.example.com\"")
	not ann.nginx_server_name("a b")
}

test_nginx_common_name if {
	ann.nginx_common_name("CN=client.example.com")
	ann.nginx_common_name("CN=(alice|bob)-[0-9]{2}")
	not ann.nginx_common_name("O=corp,CN=client")
	not ann.nginx_common_name("CN=(unclosed")
	not ann.nginx_common_name("cn=client")
}

test_breaks_config if {
	every v in ["a;b", "a\"b", "a'b", "a`b", "a\nb", "a\rb", `a\`, "a{b", "a}b", "${a"] {
		ann.breaks_config(v)
	}
	every v in ["https://m.example.com$request_uri", "https://m.example.com${request_uri}", "CN=a[0-9]{2}", "CN=a{1,}", "CN=a{1,3}", `CN=a\.example`] {
		not ann.breaks_config(v)
	}
}

test_nginx_url if {
	ann.nginx_url("https://www.example.com/new?x=1&y=2")
	not ann.nginx_url("https://www.example.com/$request_uri")
	not ann.nginx_url("https://a.example.com; return 200")
	not ann.nginx_url("https://a.example.com/%2e")
}

test_nginx_capture_path if {
	ann.nginx_capture_path("/$2")
	ann.nginx_capture_path("/api/$1/v2")
	ann.nginx_capture_path("$1")
	not ann.nginx_capture_path("/$1 break; return 200 x")
	not ann.nginx_capture_path("/a;")
}
