# METADATA
# title: Emissary Hosts must not serve plain HTTP
# description: >-
#   A getambassador.io/v3alpha1 Host with spec.requestPolicy.insecure.action: Route is
#   denied: Emissary then routes cleartext HTTP requests for the Host's domain to its
#   Mappings instead of redirecting them to HTTPS, so credentials, cookies and data
#   cross the network unencrypted and can be read or changed in transit. The default,
#   when requestPolicy, insecure or action is absent, is Redirect; Reject refuses the
#   request (emissary-ingress/emissary python/ambassador/ir/irhost.py setup:
#   `insecure_policy.get("action", "Redirect")`;
#   www.getambassador.io/docs/emissary/latest/topics/running/host-crd/ "Secure and
#   insecure requests"). The CRD's enum admits exactly Redirect, Reject and Route, so
#   no other spelling reaches a policy. additionalPort only adds a cleartext port for the
#   chosen action and is not judged. Namespaces in emissary.insecureRouteNamespaces
#   (globs, default none) may serve plain HTTP. getambassador.io v2 and v1 objects are
#   not judged here (kubernetes.known_api_version denies them).
# custom:
#   kinds: [getambassador.io/Host]
#   severity: high
#   field: spec.requestPolicy.insecure.action
#   remediation: >-
#     Set spec.requestPolicy.insecure.action to Redirect (the default) or Reject, or
#     leave it out.
package emissary.host_insecure_route

import data.lib.emissary
import data.lib.kubernetes as k8s

deny contains msg if {
	k8s.is_check
	emissary.host
	k8s.spec.requestPolicy.insecure.action == "Route"
	not k8s.namespace_in(k8s.setting(["emissary", "insecureRouteNamespaces"], []))
	msg := sprintf(
		"%s: spec.requestPolicy.insecure.action is Route, so cleartext HTTP requests for %q are routed to its Mappings and credentials and data cross the network unencrypted; set it to Redirect (the default) or Reject",
		[k8s.display, emissary.host_hostname],
	)
}
