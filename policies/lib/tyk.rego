# METADATA
# title: How Tyk reads its objects
# description: >-
#   Tyk Gateway semantics shared by the tyk.* policies, each from Tyk's own source:
#   whether a classic ApiDefinition is served to callers at all (active, internal),
#   which CORS allowed origins let any web site in (github.com/rs/cors, which Tyk's
#   CORS handler is built with, gateway/api_loader.go handleCORS), and which
#   ignored-path patterns match every request path
#   (gateway/api_definition.go). Not a policy: it defines no deny, warn or patch rule.
package lib.tyk

import data.lib.kubernetes as k8s

# api_definition holds for a tyk.tyk.io ApiDefinition under review.
api_definition if {
	k8s.group == "tyk.tyk.io"
	k8s.kind == "ApiDefinition"
}

# served holds unless no caller reaches the API directly; the API that loops to it
# is judged on its own.
#   - internal: true. Tyk Operator's CRD: "It can only be routed to from other
#     APIs"; gateway/api_loader.go processSpec: `if spec.Internal { chainDef.Skip =
#     true }`, and loadHTTPService registers no route for a skipped chain.
#   - active: false, only behind a Tyk Dashboard. The open-source gateway never
#     reads the flag and serves an inactive API like any other
#     (TykTechnologies/tyk#1151, closed wontfix; #3570); the Dashboard withholds
#     inactive APIs from the gateways it feeds (TykTechnologies/tyk-operator#151).
#     So active: false counts only when data.apiguard.config.tyk.dashboard is true
#     (default false).
served if not unserved

unserved if unserved_spec(k8s.spec)

unserved if ingress_template

# ingress_template holds for an object under review that Tyk Operator keeps as a template
# for its ingress controller and never publishes itself. The label, its key and value
# compared exactly, differs by kind (TykTechnologies/tyk-operator):
#   - ApiDefinition: `template: "true"` (controllers/apidefinition_controller.go
#     Reconcile: `if desired.GetLabels()["template"] == "true"` calls syncTemplate, which
#     only re-queues the Ingresses naming it, and returns before the API is created or
#     updated on Tyk; config/samples/ingress/ingress-tls/apidefinition_template.yaml);
#   - TykOasApiDefinition: `tyk.io/template: "true"` (controllers/
#     tykoasapidefinition_controller.go Reconcile: `tykOAS.GetLabels()
#     [keys.TykOasApiDefinitionTemplateLabel] == "true"`, pkg/keys
#     TykOasApiDefinitionTemplateLabel = "tyk.io/template", then reconcileOasTpl and
#     return; status.ingressTemplate true, no listen path in status;
#     config/samples/ingress/oas/oas-template.yaml).
# Any other spelling (the other kind's key, "True", "yes", an annotation) is published
# as an ordinary API and judged as one; TykStreamsApiDefinition and TykMcpProxyDefinition
# cannot be templates (Tyk docs, "Tyk Operator as Ingress Controller"). Removing the label
# is an UPDATE that publishes the API, judged again. Adding it to an API the operator has
# already published (status.api_id, status.id: what it created on Tyk; the API server
# keeps status across an UPDATE of the object) withdraws nothing: the template branch
# neither deletes nor updates the API on Tyk, which keeps serving its last spec, so such
# an object is still judged as served (published). What a template serves is judged on
# the Ingress naming it (tyk.ingress_template) and on the APIs the controller generates
# from it (labelled tyk.io/ingress, never with the template label:
# controllers/ingress_controller.go api.SetLabels).
ingress_template if {
	k8s.group == "tyk.tyk.io"
	label := template_labels[k8s.kind]
	k8s.labels[label] == "true"
	not published
}

# template_labels: the label Tyk Operator reads on each template kind.
template_labels := {"ApiDefinition": "template", "TykOasApiDefinition": "tyk.io/template"}

# published holds for an object under review that Tyk Operator has created on Tyk: its
# status holds the Tyk API ID (ApiDefinition status.api_id, TykOasApiDefinition status.id;
# Tyk Operator v1.4.2 CRDs).
published if {
	id := k8s.resource.status[status_ids[k8s.kind]]
	is_string(id)
	id != ""
}

status_ids := {"ApiDefinition": "api_id", "TykOasApiDefinition": "id"}

# served_spec(spec) is served for a definition that is not under review: the template
# an Ingress names for Tyk Operator's ingress controller, whose spec the controller
# copies into every ApiDefinition it generates (controllers/ingress_controller.go
# reconcileClassicApiDefinition: api.Spec = *template.Spec.DeepCopy()).
served_spec(spec) if not unserved_spec(spec)

unserved_spec(spec) if spec.internal == true

unserved_spec(spec) if {
	spec.active == false
	k8s.setting(["tyk", "dashboard"], false) == true
}

# keyless_spec(spec): use_keyless: true, which lets anyone who reaches the gateway call
# the API (tyk.no_keyless).
keyless_spec(spec) if spec.use_keyless == true

# public_api_label is the API owner's half of the public-API exception; the platform
# team's half is data.apiguard.config.tyk.keylessNamespaces (tyk.no_keyless).
public_api_label := "apiguard.io/public-api"

# public_api_approved holds for an object under review labelled public-api "approved"
# in a namespace listed in tyk.keylessNamespaces (a malformed setting allows none).
public_api_approved if {
	k8s.labels[public_api_label] == "approved"
	k8s.namespace_in([p | some p in k8s.array_at(k8s.config.tyk, "keylessNamespaces"); is_string(p)])
}

# catch_all_ignored(spec): the ignored-path entries of a classic definition (see
# ignored_entries) that match every request path (see catch_all_path).
catch_all_ignored(spec) := catch_all_entries(ignored_entries(spec))

# catch_all_entries(entries): the entries of ignored_entries (whose paths are strings)
# whose path matches every request path (catch_all_path). Most entries are plain public
# paths; one match against catch_all_candidate sets them aside before any is compiled.
catch_all_entries(entries) := {e |
	some e in entries
	regex.match(catch_all_candidate, e.path)
	catch_all_path(e.path)
}

# ignored_entries(spec): the ignored-path entries of a classic definition, in every
# version, each {"field", "path", "methods"}: paths.ignored[] (methods "every method")
# and extended_paths.ignored[] whose method_actions give at least one method the action
# no_action (methods: those methods, sorted, joined by ", "; a reply action answers from
# the gateway, not the upstream). tyk.ignored_paths judges the definition under review
# with it, tyk.ingress_template an Ingress's template.
ignored_entries(spec) := plain | extended if {
	versions := object.get(spec, ["version_data", "versions"], {})
	plain := {{"field": sprintf("spec.version_data.versions[%q].paths.ignored[%d]", [name, i]), "path": p, "methods": "every method"} |
		is_object(versions)
		some name, version in versions
		is_object(version)
		some i, p in k8s.array_at(version.paths, "ignored")
		is_string(p)
	}

	# open is a set: sorted, as concat joins it, and an object's keys are unique.
	extended := {{"field": sprintf("spec.version_data.versions[%q].extended_paths.ignored[%d].path", [name, i]), "path": p, "methods": concat(", ", open)} |
		is_object(versions)
		some name, version in versions
		is_object(version)
		some i, e in k8s.array_at(version.extended_paths, "ignored")
		p := e.path
		is_string(p)
		actions := e.method_actions
		is_object(actions)
		open := {m | actions[m].action == "no_action"}
		count(open) > 0
	}
}

# any_origin(origin) holds for a CORS allowed origin that admits a site anyone can
# set up. rs/cors (Tyk builds its CORS handler with it: gateway/api_loader.go
# handleCORS, cors.New with spec.CORS.AllowedOrigins) treats "*" as
# every origin and an origin with one "*" as prefix*suffix (the rest after the first
# "*" is the suffix); browsers send the literal origin "null" from sandboxed iframes,
# data: URLs and file pages, which any site can produce. A wildcard is bounded only
# when the prefix is a bare scheme ("https://") and the suffix a dot-led registered
# domain (".example.com"): then only that domain's own subdomains match.
any_origin(origin) if trim_space(origin) == "*"

any_origin(origin) if lower(trim_space(origin)) == "null"

any_origin(origin) if {
	o := lower(trim_space(origin))
	o != "*"
	contains(o, "*")
	not bounded_wildcard(o)
}

# subdomain_wildcard(origin) holds for a bounded wildcard, https://*.example.com:
# every subdomain of example.com, including one taken over.
subdomain_wildcard(origin) if bounded_wildcard(lower(trim_space(origin)))

bounded_wildcard(o) if {
	parts := split(o, "*")
	count(parts) == 2
	regex.match(`^[a-z][a-z0-9+.-]*://$`, parts[0])
	regex.match(`^\.[a-z0-9-]+(\.[a-z0-9-]+)+(:[0-9]+)?$`, parts[1])
}

# ignored_pattern(p) is the regular expression Tyk compiles an ignored path into
# (gateway/api_definition.go generateRegex, httputil.PreparePathRegexp): mux-style
# {name:re} becomes (re) and {name} a single segment. By default
# (http_server_options.enable_path_prefix_matching and ..._suffix_matching off) the
# expression is not anchored, so "/" matches every path.
ignored_pattern(p) := with_named_groups if {
	with_named_groups := regex.replace(regex.replace(p, `\{[A-Za-z0-9_]+:([^}]*)\}`, "($1)"), `\{[A-Za-z0-9_]+\}`, "([^/]+)")
}

# Request paths of every shape a catch-all must match. The bare root "/" is left
# out on purpose: "/{id}" or "/." open every path but the root, which is no less
# a catch-all.
probe_paths := ["/a", "/Z9", "/api/v1/users/42", "/admin/", "/.well-known/x", "/x.json", "/b-c_d~e"]

# catch_all_path(p) holds for an ignored path whose expression (as Tyk compiles it,
# unanchored by default) matches every probe path: "/", "", ".*", "/.*",
# "/{rest:.*}", "^/", "/{id}" and the like.
#
# A path of plain characters only (literal_path) compiles to itself, a literal that
# matches the paths containing it, so it is judged without a regular expression: it
# is a catch-all when every probe path contains it (literal_catch_alls). ApiDefinitions
# list many such paths, and compiling each (OPA's regex cache holds 100 patterns and
# evicts at random) was most of a large definition's decision.
catch_all_path(p) if {
	is_string(p)
	catch_all_string(p)
}

catch_all_string(p) := p in literal_catch_alls if {
	literal_path(p)
} else := pattern_catch_all(p)

pattern_catch_all(p) if {
	re := ignored_pattern(p)
	regex.is_valid(re)
	every path in probe_paths {
		regex.match(re, path)
	}
}

# literal_path(p): p has no character that is special to ignored_pattern or to Go's
# regexp syntax (RE2) outside a character class, only letters, digits and / - _ ~ % : @
# , = ; ! & (non_literal_char matches any other).
literal_path(p) if {
	is_string(p)
	not regex.match(non_literal_char, p)
}

non_literal_char := `[^A-Za-z0-9/_~%:@,=;!&-]`

# catch_all_candidate matches every path catch_all_path holds for: a literal catch-all
# (literal_catch_alls: "" or "/") or a path that is not literal.
catch_all_candidate := concat("|", [`^/?$`, non_literal_char])

# literal_catch_alls: the literal paths every probe path contains, each a substring of
# the first probe path ("" and "/").
literal_catch_alls := {s |
	first := probe_paths[0]
	some i in numbers.range(0, count(first))
	some n in numbers.range(0, count(first) - i)
	s := substring(first, i, n)
	every path in probe_paths {
		contains(path, s)
	}
}
