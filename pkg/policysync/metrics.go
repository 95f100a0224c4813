package policysync

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Sync results, the values of apiguard_policy_sync_total{result}.
const (
	ResultActivated      = "activated"
	ResultUnchanged      = "unchanged"
	ResultFetchFailed    = "fetch_failed"
	ResultCompileFailed  = "compile_failed"
	ResultTestsFailed    = "tests_failed"
	ResultCacheActivated = "cache_activated"
	ResultPrepareFailed  = "prepare_failed"
	// ResultEmpty: the revision compiles but holds no policy, so it would enforce
	// nothing; refused unless Options.AllowEmpty.
	ResultEmpty          = "empty"
	resultRejectedPrefix = "rejected_"
)

type metrics struct {
	syncs       *prometheus.CounterVec
	lastSuccess prometheus.Gauge
	info        *prometheus.GaugeVec
	stale       prometheus.Gauge
	activation  prometheus.Histogram
	cacheErrors prometheus.Counter
	// exceptionExpiry is each PolicyException's end, per policy pattern it names, so an
	// alert or a dashboard can show those expiring soon.
	exceptionExpiry *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiguard_policy_sync_total",
			Help: "Policy sync attempts by result: activated, unchanged, fetch_failed, compile_failed, tests_failed, rejected_<reason>, cache_activated.",
		}, []string{"result"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiguard_policy_last_success_timestamp_seconds",
			Help: "Unix time of the last sync that reached the source and left the newest acceptable revision active.",
		}),
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiguard_policy_info",
			Help: "The active policy revision (short) and its source; 1 for the active one.",
		}, []string{"revision", "source"}),
		stale: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiguard_policy_stale",
			Help: "1 when the active policies could not be confirmed as the source's newest acceptable revision by the last attempt.",
		}),
		activation: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "apiguard_policy_activation_duration_seconds",
			Help:    "Time to compile, test and swap in a new policy revision.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}),
		cacheErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "apiguard_policy_cache_write_errors_total",
			Help: "Failed writes of the policy cache (--git-cache-dir), e.g. a full or read-only disk; serving continues from memory.",
		}),
		exceptionExpiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiguard_policy_exception_expiry_timestamp_seconds",
			Help: "Unix time each PolicyException of the active revision expires, by exception and policy pattern.",
		}, []string{"exception", "policy"}),
	}
	for _, c := range []prometheus.Collector{m.syncs, m.lastSuccess, m.info, m.stale, m.activation, m.cacheErrors, m.exceptionExpiry} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
