package policy

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
)

// Input is what a policy sees, as input.request: an AdmissionRequest v1. The webhook passes
// the request it received; the CLI and audit build one per object, so every caller gives
// policies the same shape.
type Input struct {
	Request *admissionv1.AdmissionRequest
	// References are the objects the request's object refers to and its security lives
	// in, resolved by the caller (pkg/references): input.references. Nil leaves the key
	// out, which policies read as "not resolved" (never as a pass).
	References map[string]any
}

// Action is what happens to a violation once enforcement overrides are applied.
type Action string

const (
	// ActionDeny blocks the request. It is the default for deny and violation rules.
	ActionDeny Action = "deny"
	// ActionWarn admits the request and returns the violation as a warning.
	ActionWarn Action = "warn"
	// ActionDryRun admits the request silently; the violation is only logged and counted.
	ActionDryRun Action = "dryrun"
	// ActionOff disables the policy: it is not evaluated at all.
	ActionOff Action = "off"
)

func parseAction(s string) (Action, error) {
	switch a := Action(s); a {
	case ActionDeny, ActionWarn, ActionDryRun, ActionOff:
		return a, nil
	}
	return "", fmt.Errorf("unknown enforcement action %q (want deny, warn, dryrun or off)", s)
}

// Violation is one message from a deny or violation rule.
type Violation struct {
	Policy  string
	Message string
	Action  Action
	// Details holds the extra fields of an object-shaped result ({"msg": ..., ...}).
	Details map[string]any
	// Exception is the PolicyException that allowed the violation (Action is then warn
	// and Message names it); nil otherwise.
	Exception *AppliedException
}

// Warning is one message from a warn rule.
type Warning struct {
	Policy  string
	Message string
	// DryRun is set when the policy's enforcement is dryrun: the warning is logged, not shown.
	DryRun bool
	// Details holds the extra fields of an object-shaped result ({"msg": ..., ...}).
	Details map[string]any
	// Exception is the PolicyException that covers the warning (Message names it).
	Exception *AppliedException
}

// PatchOp is one RFC 6902 operation proposed by a patch rule.
type PatchOp struct {
	Policy string
	Op     string
	Path   string
	Value  any
	// DryRun is set when the policy's enforcement is dryrun: the patch is reported, not applied.
	DryRun bool
}

// Decision is the outcome of evaluating one Input against one PolicySet.
type Decision struct {
	// Revision is the revision of the PolicySet that decided; every part of a decision
	// comes from that one set.
	Revision string
	// Exempt is set when the request's namespace is exempt; nothing was evaluated.
	Exempt bool
	// NotJudged says why no policy was evaluated for a request that changes nothing
	// policies judge (a subresource, a bookkeeping-only UPDATE); empty when they ran.
	NotJudged  string
	Violations []Violation
	Warnings   []Warning
	Patches    []PatchOp
}

// Allowed reports whether no violation blocks the request.
func (d Decision) Allowed() bool {
	for _, v := range d.Violations {
		if v.Action == ActionDeny {
			return false
		}
	}
	return true
}

// DenialMessage renders the blocking violations in the documented format, one line each,
// sorted: "[<policy>] <msg> (policy revision <short>)".
func (d Decision) DenialMessage() string {
	var lines []string
	for _, v := range d.Violations {
		if v.Action == ActionDeny {
			lines = append(lines, d.line(v.Policy, v.Message))
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// UserWarnings renders what the user should see as warnings: warn rules and violations
// demoted to warn, in the same format as denials, sorted.
func (d Decision) UserWarnings() []string {
	var lines []string
	for _, v := range d.Violations {
		if v.Action == ActionWarn {
			lines = append(lines, d.line(v.Policy, v.Message))
		}
	}
	for _, w := range d.Warnings {
		if !w.DryRun {
			lines = append(lines, d.line(w.Policy, w.Message))
		}
	}
	slices.Sort(lines)
	return lines
}

// auditKey is what the API server accepts after it prefixes "<webhook name>/": a
// lower-case DNS label.
var auditKey = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// maxAuditValue bounds one audit annotation value; audit logs are not for documents.
const maxAuditValue = 1024

// AuditAnnotations collects the "auditAnnotations" objects of the results the user sees
// (deny, warn; not dryrun), e.g. a break-glass reason, so the API server's audit log
// records them with the decision. Keys that the API server would refuse are dropped and
// returned separately; values are cut to 1 KiB. On a clash the first policy by ID wins.
func (d Decision) AuditAnnotations() (map[string]string, []string) {
	out := map[string]string{}
	var dropped []string
	add := func(policy string, details map[string]any) {
		raw, ok := details["auditAnnotations"].(map[string]any)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(raw)) {
			v, isString := raw[k].(string)
			if !auditKey.MatchString(k) || !isString {
				dropped = append(dropped, policy+": "+k)
				continue
			}
			if _, taken := out[k]; taken {
				continue
			}
			if len(v) > maxAuditValue {
				v = v[:maxAuditValue]
			}
			out[k] = v
		}
	}
	for _, v := range d.Violations {
		if v.Action != ActionDryRun {
			add(v.Policy, v.Details)
		}
	}
	for _, w := range d.Warnings {
		if !w.DryRun {
			add(w.Policy, w.Details)
		}
	}
	return out, dropped
}

// AppliedPatches returns the patch operations that should be applied (dry-run ones excluded).
func (d Decision) AppliedPatches() []PatchOp {
	var out []PatchOp
	for _, p := range d.Patches {
		if !p.DryRun {
			out = append(out, p)
		}
	}
	return out
}

func (d Decision) line(policy, msg string) string {
	return fmt.Sprintf("[%s] %s (policy revision %s)", policy, msg, ShortRevision(d.Revision))
}

// ShortRevision shortens a revision for messages: a Git SHA or content hash to 7
// characters, keeping any "kind:" prefix out of the way.
func ShortRevision(rev string) string {
	if i := strings.LastIndexByte(rev, ':'); i >= 0 {
		rev = rev[i+1:]
	}
	if len(rev) > 7 {
		return rev[:7]
	}
	return rev
}
