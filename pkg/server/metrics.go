package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

// PolicyMetrics publish which policy revision is active.
type PolicyMetrics struct {
	info        *prometheus.GaugeVec
	activatedAt prometheus.Gauge
}

// NewPolicyMetrics registers the policy gauges on reg.
func NewPolicyMetrics(reg prometheus.Registerer) (*PolicyMetrics, error) {
	m := &PolicyMetrics{
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiguard_policy_info",
			Help: "The active policy revision: 1 for the active revision, no series before activation.",
		}, []string{"revision"}),
		activatedAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiguard_policy_activation_timestamp_seconds",
			Help: "Unix time the active policy set was activated.",
		}),
	}
	for _, c := range []prometheus.Collector{m.info, m.activatedAt} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Activated records that revision is now active; the previous revision's series goes away.
func (m *PolicyMetrics) Activated(revision string, unixSeconds float64) {
	m.info.Reset()
	m.info.WithLabelValues(revision).Set(1)
	m.activatedAt.Set(unixSeconds)
}
