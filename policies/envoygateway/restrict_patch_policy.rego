# METADATA
# title: Envoy Gateway EnvoyPatchPolicy only in allowed namespaces
# description: >-
#   An EnvoyPatchPolicy (gateway.envoyproxy.io/v1alpha1) applies JSON patches to the
#   raw xDS (Listener, RouteConfiguration, Cluster, ClusterLoadAssignment, Secret) that
#   Envoy Gateway generates for the Gateway it targets (api/v1alpha1/
#   envoypatchpolicy_types.go), after every SecurityPolicy, ClientTrafficPolicy and
#   route was translated: it can remove authentication filters, open listeners or
#   read the TLS secrets of every team on that Gateway, and no other check here sees
#   what it does. With mergeGateways it targets a GatewayClass, and so every Gateway
#   of the class (the targetRef's doc comment). It is denied outside the namespaces
#   listed (globs) in
#   envoyGateway.patchPolicyNamespaces (default []: nowhere). Envoy Gateway applies
#   patches only when its own config sets extensionApis.enableEnvoyPatchPolicy; an
#   EnvoyPatchPolicy is denied regardless, so a later switch does not activate
#   patches nobody reviewed.
# custom:
#   kinds: [gateway.envoyproxy.io/EnvoyPatchPolicy]
#   severity: critical
#   field: metadata.namespace
#   remediation: >-
#     Express the change with SecurityPolicy, ClientTrafficPolicy,
#     BackendTrafficPolicy or EnvoyExtensionPolicy; if a raw patch is unavoidable,
#     have the platform team own it in a namespace listed in
#     envoyGateway.patchPolicyNamespaces.
package envoygateway.restrict_patch_policy

import data.lib.envoygateway as eg
import data.lib.kubernetes as k8s

deny contains msg if {
	eg.judged("EnvoyPatchPolicy")
	not eg.exempt("patchPolicyNamespaces")
	msg := sprintf(
		"%s: an EnvoyPatchPolicy patches Envoy's raw xDS configuration, so it can undo every other gateway policy; namespace %q is not in envoyGateway.patchPolicyNamespaces; use SecurityPolicy, ClientTrafficPolicy or BackendTrafficPolicy instead, or have the platform team own the patch in an allowed namespace",
		[k8s.display, k8s.namespace],
	)
}
