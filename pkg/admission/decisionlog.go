package admission

import (
	"encoding/json"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/apiguard/apiguard/pkg/policy"
)

// DecisionLogMessage is the message of the decision log: one structured line per request
// that a policy denied, warned about, or would have acted on in dryrun. It answers "who
// was stopped by which policy, under which revision" from the logs alone, and is what
// shows whether a dryrun policy is ready to enforce.
const DecisionLogMessage = "admission decision"

// finding is one policy's part in a decision.
type finding struct {
	Policy string `json:"policy"`
	Action string `json:"action"`
	// Message is what the user sees (or, in dryrun, would see). It is the policy's text,
	// not the object.
	Message string `json:"message,omitempty"`
	// Patch is a dryrun patch's operation and path; never its value.
	Patch string `json:"patch,omitempty"`
}

func validationFindings(d policy.Decision) []finding {
	var out []finding
	for _, v := range d.Violations {
		out = append(out, finding{Policy: v.Policy, Action: string(v.Action), Message: v.Message})
	}
	for _, w := range d.Warnings {
		action := policy.ActionWarn
		if w.DryRun {
			action = policy.ActionDryRun
		}
		out = append(out, finding{Policy: w.Policy, Action: string(action), Message: w.Message})
	}
	return out
}

func mutationFindings(m policy.Mutation) []finding {
	out := make([]finding, 0, len(m.DryRun))
	for _, op := range m.DryRun {
		out = append(out, finding{Policy: op.Policy, Action: string(policy.ActionDryRun), Patch: op.Op + " " + op.Path})
	}
	return out
}

// logDecision writes the decision log line, if there is anything to say. The line's
// action is the strongest finding's: deny, then warn, then dryrun.
//
// Object bodies stay out unless the log is at debug level (V(1)): objects may carry
// credentials (a Secret, an API definition's auth config, an annotation someone pasted a
// token into), and logs travel further than the API server's audit log.
func (h *Handlers) logDecision(webhook string, req admission.Request, revision string, findings []finding) {
	if len(findings) == 0 {
		return
	}
	action := policy.ActionDryRun
	var ids []string
	for _, f := range findings {
		switch policy.Action(f.Action) {
		case policy.ActionDeny:
			action = policy.ActionDeny
		case policy.ActionWarn:
			if action != policy.ActionDeny {
				action = policy.ActionWarn
			}
		}
		ids = append(ids, f.Policy)
	}
	slices.Sort(ids)
	kv := []any{
		"webhook", webhook, "action", string(action),
		"uid", string(req.UID), "user", req.UserInfo.Username, "operation", string(req.Operation),
		"group", req.Kind.Group, "version", req.Kind.Version, "kind", req.Kind.Kind,
		"namespace", req.Namespace, "name", req.Name,
		"policies", slices.Compact(ids), "revision", revision, "findings", findings,
	}
	if h.opts.Log.V(1).Enabled() {
		if len(req.Object.Raw) > 0 {
			kv = append(kv, "object", json.RawMessage(req.Object.Raw))
		}
		if len(req.OldObject.Raw) > 0 {
			kv = append(kv, "oldObject", json.RawMessage(req.OldObject.Raw))
		}
	}
	h.opts.Log.Info(DecisionLogMessage, kv...)
}
