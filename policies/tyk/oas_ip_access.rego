# METADATA
# title: Tyk OAS IP allow-list should not allow every address
# description: >-
#   x-tyk-api-gateway.server.ipAccessControl (X-Tyk-IPAccessControl) with an allow entry
#   0.0.0.0/0 or ::/0 restricts nothing while looking like a restriction. Warned. Only
#   an enabled list counts: TykTechnologies/tyk apidef/oas/server.go IPAccessControl
#   ExtractTo sets IPAccessControlDisabled = !Enabled.
# custom:
#   kinds: [tyk.tyk.io/TykOasApiDefinition, tyk.tyk.io/TykStreamsApiDefinition, tyk.tyk.io/TykMcpProxyDefinition, ConfigMap]
#   severity: low
#   field: x-tyk-api-gateway.server.ipAccessControl.allow
#   remediation: List the client networks that need the API instead of 0.0.0.0/0 or ::/0.
package tyk.oas_ip_access

import data.lib.kubernetes as k8s
import data.lib.tykoas

everything := {"0.0.0.0/0", "::/0", "0.0.0.0", "::"}

warn contains msg if {
	k8s.is_check
	some d in tykoas.documents
	tykoas.served(d.gw)
	ipac := d.gw.server.ipAccessControl
	ipac.enabled == true
	some entry in ipac.allow
	is_string(entry)
	trim_space(entry) in everything
	msg := sprintf("%s: %s contains %q, which allows every address; list the client networks instead", [k8s.display, tykoas.field(d.where, "server.ipAccessControl.allow"), entry])
}
