package audit

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestCollector(t *testing.T) {
	var rep *Report
	leading := false
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(func() (*Report, bool) { return rep, leading }))
	want := `
# HELP apiguard_audit_leader 1 when this replica holds the audit lease and runs the audits.
# TYPE apiguard_audit_leader gauge
apiguard_audit_leader 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Errorf("not leading: %v", err)
	}
	leading = true
	rep = testReport(2)
	rep.Counts = append(rep.Counts, Count{Policy: "q", Kind: "Service", Namespace: "b", Action: "patch", N: 1})
	rep.Errors = 1
	want = `
# HELP apiguard_audit_violations Findings of the last audit run by policy, kind, namespace and action (deny, warn, dryrun; patch for a missing secure default the mutating webhook would add).
# TYPE apiguard_audit_violations gauge
apiguard_audit_violations{action="deny",kind="Ingress",namespace="ns",policy="p"} 7
apiguard_audit_violations{action="patch",kind="Service",namespace="b",policy="q"} 1
# HELP apiguard_audit_last_run_timestamp_seconds Unix time the last audit run finished.
# TYPE apiguard_audit_last_run_timestamp_seconds gauge
apiguard_audit_last_run_timestamp_seconds 102
# HELP apiguard_audit_duration_seconds How long the last audit run took.
# TYPE apiguard_audit_duration_seconds gauge
apiguard_audit_duration_seconds 2
# HELP apiguard_audit_objects Objects the last audit run evaluated.
# TYPE apiguard_audit_objects gauge
apiguard_audit_objects 2
# HELP apiguard_audit_errors Objects the last audit run could not evaluate.
# TYPE apiguard_audit_errors gauge
apiguard_audit_errors 1
# HELP apiguard_audit_leader 1 when this replica holds the audit lease and runs the audits.
# TYPE apiguard_audit_leader gauge
apiguard_audit_leader 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Errorf("after a run: %v", err)
	}
	// The next run replaces every series: a fixed violation leaves none behind.
	rep = testReport(0)
	rep.Counts = nil
	if n, err := testutil.GatherAndCount(reg, "apiguard_audit_violations"); err != nil || n != 0 {
		t.Errorf("violation series after a clean run: %d %v", n, err)
	}
}
