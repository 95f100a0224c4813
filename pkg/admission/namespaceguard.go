package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/apiguard/apiguard/pkg/policy"
)

// NamespaceGuard serves /validate-namespace: it denies turning the escape hatch on
// (apiguard.io/ignore=true on a namespace that did not have it) unless the user is in one
// of adminGroups. Removing the label and every other change is allowed. It needs no
// policy set, so an outage of the policy source never blocks namespace changes; the
// chart registers it with an objectSelector on the label, so only changes touching the
// label reach it at all.
func (h *Handlers) NamespaceGuard(adminGroups []string) http.Handler {
	wh := &admission.Webhook{Handler: admission.HandlerFunc(func(_ context.Context, req admission.Request) admission.Response {
		resp := guardNamespace(req, adminGroups)
		decision := decisionAllowed
		if !resp.Allowed {
			decision = decisionDenied
		}
		h.opts.Metrics.requests.WithLabelValues("namespace", req.Kind.Kind, string(req.Operation), decision).Inc()
		return resp
	})}
	return withFailurePolicy(wh)
}

func guardNamespace(req admission.Request, adminGroups []string) admission.Response {
	if req.Kind.Kind != "Namespace" || (req.Operation != admissionv1.Create && req.Operation != admissionv1.Update) {
		return admission.Allowed("")
	}
	newOn, err := ignoreLabelSet(req.Object.Raw)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	oldOn := false
	if req.Operation == admissionv1.Update {
		if oldOn, err = ignoreLabelSet(req.OldObject.Raw); err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
	}
	if !newOn || oldOn {
		return admission.Allowed("")
	}
	for _, g := range req.UserInfo.Groups {
		if slices.Contains(adminGroups, g) {
			return admission.Allowed("").WithWarnings(fmt.Sprintf("[apiguard] namespace %s is now exempt from apiguard: %s=true set by %s", req.Name, policy.IgnoreLabel, req.UserInfo.Username))
		}
	}
	who := "one of the exemption-admin groups"
	if len(adminGroups) > 0 {
		who = "a member of " + strings.Join(adminGroups, ", ")
	}
	return admission.Denied(fmt.Sprintf("[apiguard] setting %s=true on namespace %s exempts it from apiguard's policies; only %s may do that. Fix the objects instead, or ask a platform admin", policy.IgnoreLabel, req.Name, who))
}

func ignoreLabelSet(raw []byte) (bool, error) {
	if len(raw) == 0 {
		return false, nil
	}
	var ns struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &ns); err != nil {
		return false, fmt.Errorf("decode namespace: %w", err)
	}
	return ns.Metadata.Labels[policy.IgnoreLabel] == "true", nil
}
