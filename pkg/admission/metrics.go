package admission

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Decision labels for apiguard_admission_requests_total.
const (
	decisionAllowed = "allowed"
	decisionDenied  = "denied"
	decisionPatched = "patched"
	decisionExempt  = "exempt"
	// decisionNotJudged: a subresource or bookkeeping-only UPDATE (policy.Decision.NotJudged).
	decisionNotJudged  = "not_judged"
	decisionError      = "error"
	decisionBadRequest = "bad_request"
)

// Metrics are the admission counters and histograms. They are registered on a registry
// the caller owns, so tests and the binary never share global state.
type Metrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	violations   *prometheus.CounterVec
	undecided    *prometheus.CounterVec
	skippedPatch *prometheus.CounterVec
	inFlight     prometheus.Gauge
	// memoryReserved and memoryWaiting are bytes of the memory budget held by requests
	// being decided and asked for by requests waiting for it.
	memoryReserved prometheus.Gauge
	memoryWaiting  prometheus.Gauge
}

// NewMetrics creates the admission metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiguard_admission_requests_total",
			Help: "Admission requests by webhook (validate, mutate), kind, operation and decision (allowed, denied, patched, exempt, not_judged, error, bad_request).",
		}, []string{"webhook", "kind", "operation", "decision"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apiguard_admission_duration_seconds",
			Help:    "Time to decide an admission request, from decode to response.",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}, []string{"webhook"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiguard_policy_violations_total",
			Help: "Policy violations found at admission, by policy and enforcement action (deny, warn, dryrun).",
		}, []string{"policy", "action"}),
		undecided: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiguard_admission_undecided_total",
			Help: "Requests answered with HTTP 5xx so the webhook's failurePolicy decides, by reason.",
		}, []string{"webhook", "reason"}),
		skippedPatch: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiguard_mutation_skipped_total",
			Help: "Patch operations dropped because they would have overwritten a value already set.",
		}, []string{"policy"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiguard_admission_in_flight",
			Help: "Admission requests being evaluated now.",
		}),
		memoryReserved: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiguard_admission_memory_reserved_bytes",
			Help: "Estimated memory (body size times --body-memory-factor) reserved by requests in flight, out of --memory-budget.",
		}),
		memoryWaiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiguard_admission_memory_waiting_bytes",
			Help: "Estimated memory asked for by requests waiting for the memory budget.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.violations, m.undecided, m.skippedPatch, m.inFlight, m.memoryReserved, m.memoryWaiting} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
