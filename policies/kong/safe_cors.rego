# METADATA
# title: Kong's cors plugin must not allow credentials from any origin
# description: >-
#   Judged on configuration.konghq.com KongPlugins and KongClusterPlugins with plugin
#   cors, as Kong's handler reads config.origins (Kong/kong
#   kong/plugins/cors/handler.lua, configure_origin and configure_credentials). No
#   origins, an empty list, or "*" anywhere in the list allows every origin; with
#   config.credentials true Kong then echoes the caller's Origin back with
#   Access-Control-Allow-Credentials: true, so any web site can call the API as the
#   logged-in user. An entry holding a character other than A-Z a-z 0-9 . : / - is a
#   PCRE regex, anchored at the start, with "$" appended, matched against the
#   request's host (or against scheme://host[:port] when the entry holds ":"): one
#   that matches a foreign origin (probed with attacker.invalid, as host and as
#   https:// and http:// origin) admits any site; a regex with an unescaped "." or a
#   ".*"/".+" wildcard that does not is warned with credentials, since it may admit
#   look-alike domains (https://.*example.com admits evilexample.com). The entry
#   "null" matches the Origin browsers send from sandboxed frames and data: URLs,
#   which any site can produce, so it counts as any origin. Denied: any origin with
#   credentials (true, or the string "true"). Warned: any origin without credentials,
#   and origins or credentials read from a Secret (configFrom, configPatches), which
#   apiguard cannot judge. Disabled plugins are not judged.
# custom:
#   kinds: [configuration.konghq.com/KongPlugin, configuration.konghq.com/KongClusterPlugin]
#   severity: high
#   field: config.origins
#   remediation: >-
#     List the exact origins in config.origins (for example https://app.example.com),
#     or set config.credentials to false.
package kong.safe_cors

import data.lib.kong
import data.lib.kubernetes as k8s

deny contains msg if {
	applies
	credentials
	some why in any_origin
	msg := sprintf(
		"%s: cors allows credentials from any origin (%s, with config.credentials: true), so Kong echoes any web site's Origin with Access-Control-Allow-Credentials and that site can call the API as the logged-in user; list the exact origins in config.origins, for example https://app.example.com",
		[kong.display, why],
	)
}

warn contains msg if {
	applies
	not credentials
	not kong.hidden("credentials")
	some why in any_origin
	msg := sprintf(
		"%s: cors allows any origin (%s), so any web site can call the API from a browser; list the exact origins in config.origins instead",
		[kong.display, why],
	)
}

warn contains msg if {
	applies
	credentials
	some entry in origins
	regex_entry(entry)
	not foreign(entry)
	loose(entry)
	msg := sprintf(
		"%s: cors allows credentials from the regex origin %q, which may admit look-alike domains (an unescaped \".\" or a wildcard); escape dots and anchor the domain, or list exact origins",
		[kong.display, entry],
	)
}

warn contains msg if {
	applies
	some key in ["origins", "credentials"]
	kong.hidden(key)
	msg := sprintf(
		"%s: cors reads config.%s from a Secret (%s), which apiguard cannot read, so whether it allows credentials from any origin cannot be judged; keep origins and credentials in config",
		[kong.display, key, kong.secret_source],
	)
}

applies if {
	k8s.is_check
	kong.plugin_kind
	kong.plugin == "cors"
	not kong.disabled
}

credentials if kong.config.credentials == true

credentials if kong.config.credentials == "true"

origins := [o | some o in k8s.array_at(kong.config, "origins"); is_string(o)]

any_origin contains "no config.origins" if {
	count(origins) == 0
	not kong.hidden("origins")
}

any_origin contains sprintf("%q in config.origins", [entry]) if {
	some entry in origins
	any_entry(entry)
}

any_entry("*")

any_entry("null")

any_entry(entry) if {
	regex_entry(entry)
	foreign(entry)
}

# regex_entry: Kong's test, re_find(entry, "[^A-Za-z0-9.:/-]").
regex_entry(entry) if regex.match(`[^A-Za-z0-9.:/-]`, entry)

# foreign(entry) holds when Kong's reading of the regex matches an origin no one
# listed. Kong strips a leading "^", appends "$" unless present, and matches with the
# "a" (anchored) flag: "^(?:" + pattern + ")" in RE2. PCRE-only syntax RE2 refuses
# (look-arounds, backreferences) is not probed (the engine fails a request on a
# builtin error): not foreign, and then warned as loose when it has a wildcard.
foreign(entry) if {
	pattern := kong_pattern(entry)
	regex.is_valid(pattern)
	some subject in probes(entry)
	regex.match(pattern, subject)
}

kong_pattern(entry) := concat("", ["^(?:", anchored_end(trim_prefix(entry, "^")), ")"])

anchored_end(e) := e if endswith(e, "$")

else := concat("", [e, "$"])

# by_host: an entry without ":" is matched against the request's host only.
probes(entry) := ["attacker.invalid"] if not contains(entry, ":")

else := ["https://attacker.invalid", "http://attacker.invalid"]

loose(entry) if regex.match(`(^|[^\\])\.`, entry)

loose(entry) if regex.match(`\.[*+]|\[\^`, entry)
