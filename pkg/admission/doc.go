// Package admission turns Kubernetes admission requests into policy decisions. It owns the
// /validate and /mutate handlers (controller-runtime admission.Handlers), the exemptions
// for the webhook's own identity, the concurrency cap, admission metrics, and the rule
// that a request the webhook cannot decide is answered with HTTP 5xx so that the
// cluster's failurePolicy, not the webhook, chooses between admitting and denying.
package admission
