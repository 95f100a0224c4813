package main

import (
	"errors"
	"math"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// exposition is a /metrics excerpt in the webhook's own series and labels
// (pkg/admission/metrics.go).
const exposition = `# TYPE apiguard_admission_requests_total counter
apiguard_admission_requests_total{decision="allowed",kind="Ingress",operation="CREATE",webhook="validate"} 3
apiguard_admission_requests_total{decision="allowed",kind="Service",operation="CREATE",webhook="validate"} 2
apiguard_admission_requests_total{decision="denied",kind="Ingress",operation="CREATE",webhook="validate"} 4
apiguard_admission_requests_total{decision="patched",kind="HTTPRoute",operation="CREATE",webhook="mutate"} 1
apiguard_admission_requests_total{decision="allowed",kind="HTTPRoute",operation="CREATE",webhook="mutate"} 0
# TYPE apiguard_policy_violations_total counter
apiguard_policy_violations_total{action="deny",policy="ingress.require_tls"} 4
apiguard_policy_violations_total{action="warn",policy="ingress.require_tls"} 0
apiguard_policy_violations_total{action="warn",policy="httproute.timeouts"} 2
# TYPE apiguard_admission_duration_seconds histogram
apiguard_admission_duration_seconds_bucket{webhook="validate",le="0.001"} 0
apiguard_admission_duration_seconds_bucket{webhook="validate",le="0.002"} 5
apiguard_admission_duration_seconds_bucket{webhook="validate",le="0.004"} 9
apiguard_admission_duration_seconds_bucket{webhook="validate",le="0.008"} 10
apiguard_admission_duration_seconds_bucket{webhook="validate",le="+Inf"} 10
apiguard_admission_duration_seconds_sum{webhook="validate"} 0.02
apiguard_admission_duration_seconds_count{webhook="validate"} 10
`

func TestDecisionsChart(t *testing.T) {
	families, err := parseMetrics([]byte(exposition))
	if err != nil {
		t.Fatal(err)
	}
	chart := decisionsChart(families, clientTally{admitted: 5, warned: 2, denied: 3, refused: 3, taken: 2}, time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC))
	type bar struct {
		label string
		value float64
	}
	want := [][]bar{
		{{"denied by apiguard", 3}, {"admitted with apiguard warnings", 2}, {"admitted without warnings", 3}, {"refused by the API server: name taken", 2}, {"refused by the API server: other", 1}},
		// Summed over kind and operation; zero series left out; validate before mutate.
		{{"validate: denied", 4}, {"validate: allowed", 5}, {"mutate: patched", 1}},
		{{"deny", 4}, {"warn", 2}},
		{{"ingress.require_tls [deny]", 4}, {"httproute.timeouts [warn]", 2}},
		// p50: rank 5 falls at the top of (1ms, 2ms]; p99: rank 9.9 in (4ms, 8ms], 90% in.
		{{"validate p50", 2}, {"validate p99", 7.6}},
	}
	if len(chart.Panels) != len(want) {
		t.Fatalf("%d panels, want %d", len(chart.Panels), len(want))
	}
	for p, bars := range want {
		got := chart.Panels[p].Bars
		if len(got) != len(bars) {
			t.Errorf("panel %q: %d bars %+v, want %+v", chart.Panels[p].Title, len(got), got, bars)
			continue
		}
		for i, b := range bars {
			if got[i].Label != b.label || math.Abs(got[i].Value-b.value) > 1e-9 {
				t.Errorf("panel %q bar %d: %q %v, want %q %v", chart.Panels[p].Title, i, got[i].Label, got[i].Value, b.label, b.value)
			}
		}
	}
	if _, _, err := chart.Render(); err != nil {
		t.Fatal(err)
	}
}

func TestClientTally(t *testing.T) {
	var c clientTally
	c.count(nil, nil)
	c.count([]string{"annotation \"kubernetes.io/ingress.class\" is deprecated"}, nil)
	c.count([]string{"[ingress.require_owner_label] Ingress demo/x: has no owner"}, nil)
	c.count(nil, errors.New(`admission webhook "validate.apiguard.io" denied the request: [ingress.require_tls] ...`))
	c.count(nil, apierrors.NewAlreadyExists(schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}, "x"))
	c.count(nil, errors.New(`Ingress.networking.k8s.io "x" is invalid`))
	if want := (clientTally{admitted: 3, warned: 1, denied: 1, refused: 2, taken: 1}); c != want {
		t.Errorf("tally %+v, want %+v", c, want)
	}
}

func TestHistogramQuantileEdges(t *testing.T) {
	families, err := parseMetrics([]byte(`# TYPE h histogram
h_bucket{le="0.5"} 0
h_bucket{le="1"} 0
h_bucket{le="+Inf"} 3
h_sum 9
h_count 3
`))
	if err != nil {
		t.Fatal(err)
	}
	h := families["h"].GetMetric()[0].GetHistogram()
	// Every observation above the largest finite bound: PromQL answers that bound.
	if got := histogramQuantile(0.5, h); got != 1 {
		t.Errorf("quantile in +Inf bucket = %v, want 1", got)
	}
	families, _ = parseMetrics([]byte("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n"))
	if got := histogramQuantile(0.5, families["h"].GetMetric()[0].GetHistogram()); !math.IsNaN(got) {
		t.Errorf("quantile of an empty histogram = %v, want NaN", got)
	}
}
