package audit

import (
	"cmp"
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/apiguard/apiguard/pkg/policy"
)

// ActionPatch marks a "would patch" entry: a secure default the mutating webhook would
// add, missing because the object bypassed mutation. The other actions are a
// violation's enforcement (deny, warn, dryrun); ActionError marks an object that could
// not be evaluated.
const (
	ActionPatch = "patch"
	ActionError = "error"
	// ActionSkip marks a finding a PolicyException allows; Entry.Exception names it.
	ActionSkip = "skip"
)

// Entry is one finding on one object, as /audit serves it. Its keys are part of the
// /audit format: new ones go at the end, omitted when empty.
type Entry struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	Policy     string `json:"policy"`
	Message    string `json:"message"`
	Action     string `json:"action"`
	Revision   string `json:"revision"`
	// Path is the JSON pointer a "would patch" entry adds.
	Path string `json:"path,omitempty"`
	// UID is the object's, so an entry names one incarnation of a name.
	UID types.UID `json:"uid,omitempty"`
	// Exception is the PolicyException that allows a skip entry's finding.
	Exception string `json:"exception,omitempty"`
}

// Count is how many findings one policy has on one kind in one namespace, with one
// action: a sample of apiguard_audit_violations. Counts are complete even when the
// entries are capped.
type Count struct {
	Policy, Kind, Namespace, Action string
	N                               int
}

// Report is the result of one audit run. It is never changed once published.
type Report struct {
	// ID tells runs apart, so a continue token from an earlier run is refused.
	ID         int64
	Auditor    string
	Revision   string
	StartedAt  time.Time
	FinishedAt time.Time
	// Objects were evaluated; Skipped were in an excluded or ignored namespace.
	Objects, Skipped int
	// Errors counts objects that could not be evaluated.
	Errors int
	// Entries are sorted by namespace, kind, name, policy, action and message, and cut
	// at the cap; Total is how many there were before the cut.
	Entries []Entry
	Total   int
	Counts  []Count
}

// Duration is how long the run took.
func (r *Report) Duration() time.Duration { return r.FinishedAt.Sub(r.StartedAt) }

// Summary counts findings by policy and action: the fleet view's table.
func (r *Report) Summary() map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, c := range r.Counts {
		if out[c.Policy] == nil {
			out[c.Policy] = map[string]int{}
		}
		out[c.Policy][c.Action] += c.N
	}
	return out
}

func compareEntries(a, b Entry) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.Action, b.Action), cmp.Compare(a.Message, b.Message), cmp.Compare(a.Path, b.Path))
}

// entriesOf turns one object's evaluation into entries: violations and warnings (a
// warn rule's finding has action warn, or dryrun when its policy is in dryrun; one a
// PolicyException allows has action skip and names it) and the patches it would get.
func entriesOf(o *Object, d policy.Decision, patches []policy.PatchOp) []Entry {
	base := Entry{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Revision: d.Revision, UID: o.UID}
	var out []Entry
	add := func(pol, msg, action, path string, exception *policy.AppliedException) {
		e := base
		e.Policy, e.Message, e.Action, e.Path = pol, msg, action, path
		if exception != nil {
			e.Action, e.Exception = ActionSkip, exception.Name
		}
		out = append(out, e)
	}
	for _, v := range d.Violations {
		add(v.Policy, v.Message, string(v.Action), "", v.Exception)
	}
	for _, w := range d.Warnings {
		action := string(policy.ActionWarn)
		if w.DryRun {
			action = string(policy.ActionDryRun)
		}
		add(w.Policy, w.Message, action, "", w.Exception)
	}
	for _, p := range patches {
		value, err := json.Marshal(p.Value)
		if err != nil {
			value = []byte(fmt.Sprint(p.Value))
		}
		add(p.Policy, fmt.Sprintf("would add %s: %s (a secure default the mutating webhook adds; the object bypassed it)", p.Path, value), ActionPatch, p.Path, nil)
	}
	return out
}
