package fleet

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// View is the fleet: every cluster and where they drift apart. Its keys are part of
// `apiguard status -o json`: new ones go at the end.
type View struct {
	Clusters []Cluster `json:"clusters"`
	// Revisions maps each active revision to the clusters running it.
	Revisions map[string][]string `json:"revisions"`
	// Drift lists the differences, one sentence each; empty when the clusters agree.
	Drift []Drift `json:"drift"`
}

// Drift is one difference between clusters.
type Drift struct {
	// Kind is "revision" (clusters run different revisions) or "findings" (some
	// clusters have findings of a policy and action that others audited and lack).
	Kind string `json:"kind"`
	// Policy and Action name the findings, for Kind "findings".
	Policy string `json:"policy,omitempty"`
	Action string `json:"action,omitempty"`
	// Clusters holds the value per cluster: its short revision, or its count.
	Clusters map[string]string `json:"clusters"`
	Message  string            `json:"message"`
}

// Compare builds the view. Only clusters that answered are compared; a cluster whose
// audit is unavailable takes no part in the findings comparison.
func Compare(clusters []Cluster) View {
	v := View{Clusters: clusters, Revisions: map[string][]string{}, Drift: []Drift{}}
	short := map[string]string{}
	for _, c := range clusters {
		if c.Error == "" && c.Revision != "" {
			v.Revisions[c.Revision] = append(v.Revisions[c.Revision], c.Name)
			short[c.Name] = c.ShortRevision
		}
	}
	if len(v.Revisions) > 1 {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(short)) {
			parts = append(parts, name+" "+short[name])
		}
		v.Drift = append(v.Drift, Drift{Kind: "revision", Clusters: short,
			Message: "clusters run different policy revisions: " + strings.Join(parts, ", ")})
	}
	type key struct{ policy, action string }
	audited := map[string]bool{}
	counts := map[key]map[string]int{}
	for _, c := range clusters {
		if c.Audit == nil {
			continue
		}
		audited[c.Name] = true
		for pol, actions := range c.Audit.Summary {
			for action, n := range actions {
				k := key{pol, action}
				if counts[k] == nil {
					counts[k] = map[string]int{}
				}
				counts[k][c.Name] += n
			}
		}
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.policy, b.policy), cmp.Compare(a.action, b.action))
	})
	for _, k := range keys {
		var have, lack []string
		values := map[string]string{}
		for _, name := range slices.Sorted(maps.Keys(audited)) {
			n := counts[k][name]
			values[name] = fmt.Sprint(n)
			if n > 0 {
				have = append(have, fmt.Sprintf("%s %d", name, n))
			} else {
				lack = append(lack, name)
			}
		}
		if len(have) > 0 && len(lack) > 0 {
			v.Drift = append(v.Drift, Drift{Kind: "findings", Policy: k.policy, Action: k.action, Clusters: values,
				Message: fmt.Sprintf("%s (%s): %s; none in %s", k.policy, k.action, strings.Join(have, ", "), strings.Join(lack, ", "))})
		}
	}
	return v
}
