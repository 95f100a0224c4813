package audit

import (
	"github.com/prometheus/client_golang/prometheus"
)

// collector serves the last run's results as metrics. It reads the published report at
// scrape time, so a run replaces every series at once: a scrape never sees half a run,
// and a violation fixed since the last run has no series left. A replica that does not
// hold the lease serves no audit series but apiguard_audit_leader.
type collector struct {
	state      func() (*Report, bool)
	violations *prometheus.Desc
	lastRun    *prometheus.Desc
	duration   *prometheus.Desc
	objects    *prometheus.Desc
	errors     *prometheus.Desc
	leader     *prometheus.Desc
}

func newCollector(state func() (*Report, bool)) *collector {
	return &collector{
		state: state,
		violations: prometheus.NewDesc("apiguard_audit_violations",
			"Findings of the last audit run by policy, kind, namespace and action (deny, warn, dryrun; patch for a missing secure default the mutating webhook would add).",
			[]string{"policy", "kind", "namespace", "action"}, nil),
		lastRun:  prometheus.NewDesc("apiguard_audit_last_run_timestamp_seconds", "Unix time the last audit run finished.", nil, nil),
		duration: prometheus.NewDesc("apiguard_audit_duration_seconds", "How long the last audit run took.", nil, nil),
		objects:  prometheus.NewDesc("apiguard_audit_objects", "Objects the last audit run evaluated.", nil, nil),
		errors:   prometheus.NewDesc("apiguard_audit_errors", "Objects the last audit run could not evaluate.", nil, nil),
		leader:   prometheus.NewDesc("apiguard_audit_leader", "1 when this replica holds the audit lease and runs the audits.", nil, nil),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.violations, c.lastRun, c.duration, c.objects, c.errors, c.leader} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	r, leader := c.state()
	lead := 0.0
	if leader {
		lead = 1
	}
	ch <- prometheus.MustNewConstMetric(c.leader, prometheus.GaugeValue, lead)
	if r == nil {
		return
	}
	for _, n := range r.Counts {
		ch <- prometheus.MustNewConstMetric(c.violations, prometheus.GaugeValue, float64(n.N), n.Policy, n.Kind, n.Namespace, n.Action)
	}
	ch <- prometheus.MustNewConstMetric(c.lastRun, prometheus.GaugeValue, float64(r.FinishedAt.UnixNano())/1e9)
	ch <- prometheus.MustNewConstMetric(c.duration, prometheus.GaugeValue, r.Duration().Seconds())
	ch <- prometheus.MustNewConstMetric(c.objects, prometheus.GaugeValue, float64(r.Objects))
	ch <- prometheus.MustNewConstMetric(c.errors, prometheus.GaugeValue, float64(r.Errors))
}
