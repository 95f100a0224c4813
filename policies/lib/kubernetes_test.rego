package lib.kubernetes_test

import data.lib.kubernetes as k8s

req(op, obj, old) := {"request": {
	"operation": op, "kind": {"group": "networking.k8s.io", "kind": "Ingress"},
	"name": "from-request", "namespace": "req-ns", "object": obj, "oldObject": old,
}}

test_resource_is_the_object_on_create if {
	k8s.resource == {"metadata": {"name": "a"}} with input as req("CREATE", {"metadata": {"name": "a"}}, null)
}

test_resource_is_the_old_object_on_delete if {
	k8s.resource == {"metadata": {"name": "old"}} with input as req("DELETE", null, {"metadata": {"name": "old"}})
}

test_resource_defaults_to_empty if {
	k8s.resource == {} with input as req("DELETE", null, null)
}

test_name_and_namespace_fall_back_to_the_request if {
	k8s.name == "from-request" with input as req("CREATE", {}, null)
	k8s.namespace == "req-ns" with input as req("CREATE", {}, null)
	k8s.display == "Ingress req-ns/from-request" with input as req("CREATE", {}, null)
}

test_name_and_namespace_from_the_object if {
	obj := {"metadata": {"name": "n", "namespace": "ns"}}
	k8s.name == "n" with input as req("CREATE", obj, null)
	k8s.namespace == "ns" with input as req("CREATE", obj, null)
}

test_display_without_namespace if {
	k8s.display == "Ingress <unnamed>" with input as {"request": {"operation": "CREATE", "kind": {"kind": "Ingress"}, "object": {}}}
}

test_operations if {
	k8s.is_write with input as req("UPDATE", {}, {})
	k8s.is_check with input as req("AUDIT", {}, null)
	k8s.is_audit with input as req("AUDIT", {}, null)
	k8s.is_delete with input as req("DELETE", null, {})
	not k8s.is_check with input as req("DELETE", null, {})
}

test_metadata_maps if {
	obj := {"metadata": {"annotations": {"a": "1"}, "labels": {"l": "2"}}, "spec": {"s": 3}}
	k8s.annotations == {"a": "1"} with input as req("CREATE", obj, null)
	k8s.labels == {"l": "2"} with input as req("CREATE", obj, null)
	k8s.spec == {"s": 3} with input as req("CREATE", obj, null)
	k8s.annotations == {} with input as req("CREATE", {}, null)
	k8s.labels == {} with input as req("CREATE", {}, null)
	k8s.spec == {} with input as req("CREATE", {}, null)
}

test_setting_with_and_without_config if {
	k8s.setting(["ingress", "x"], 5) == 7 with data.apiguard.config as {"ingress": {"x": 7}}
	k8s.setting(["ingress", "x"], 5) == 5 with data.apiguard.config as {}
	k8s.setting(["ingress", "x"], 5) == 5
}

test_array_at if {
	k8s.array_at({"a": [1]}, "a") == [1]
	k8s.array_at({"a": "x"}, "a") == []
	k8s.array_at({}, "a") == []
}

test_namespace_in if {
	k8s.namespace_in(["team-*"]) with input as req("CREATE", {"metadata": {"namespace": "team-a"}}, null)
	not k8s.namespace_in(["prod"]) with input as req("CREATE", {"metadata": {"namespace": "team-a"}}, null)
}
