package main

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/apiguard/apiguard/internal/plotpng"
)

// decisionsPNG is where the demo writes its picture of the webhook's metrics, relative
// to the repository root; README.md ("See it") shows it.
const decisionsPNG = "docs/img/demo-decisions.png"

// topPolicies bounds the policy panel.
const topPolicies = 20

var (
	colorDenied  = color.RGBA{0xd6, 0x27, 0x28, 0xff}
	colorAllowed = color.RGBA{0x2c, 0xa0, 0x2c, 0xff}
	colorPatched = color.RGBA{0x1f, 0x77, 0xb4, 0xff}
	colorWarn    = color.RGBA{0xff, 0x9f, 0x0e, 0xff}
	colorOther   = color.RGBA{0x9a, 0x9a, 0x9a, 0xff}
	colorError   = color.RGBA{0x94, 0x67, 0xbd, 0xff}
	colorP50     = color.RGBA{0x6b, 0xae, 0xd6, 0xff}
	colorP99     = color.RGBA{0x08, 0x51, 0x9c, 0xff}
)

// decisionOrder and decisionColor follow pkg/admission's decision labels of
// apiguard_admission_requests_total.
var decisionOrder = []string{"denied", "warned", "allowed", "patched", "exempt", "not_judged", "error", "bad_request"}

var decisionColor = map[string]color.RGBA{
	"denied": colorDenied, "warned": colorWarn, "allowed": colorAllowed, "patched": colorPatched,
	"exempt": colorOther, "not_judged": colorOther, "error": colorError, "bad_request": colorError,
}

var actionColor = map[string]color.RGBA{"deny": colorDenied, "warn": colorWarn, "dryrun": colorOther}

// clientTally is what the demo's client saw of the API server's answers to the
// examples: the webhook's /metrics count requests, not objects, and have no "warned"
// decision (an allowed request with warnings counts as allowed).
type clientTally struct {
	admitted, warned, denied int
	// refused: errors of the API server itself; taken: of those, names already taken
	// (a -pass and a -fail example may share a name).
	refused, taken int
}

// count adds one answer: err is the create's error, warnings the Warning headers.
func (t *clientTally) count(warnings []string, err error) {
	switch {
	case err != nil && strings.Contains(err.Error(), "admission webhook"):
		t.denied++
	case err != nil:
		t.refused++
		if apierrors.IsAlreadyExists(err) {
			t.taken++
		}
	default:
		t.admitted++
		for _, w := range warnings {
			// apiguard's warnings start with the policy ID in brackets; the API server's
			// own (deprecated fields) do not.
			if strings.HasPrefix(w, "[") {
				t.warned++
				break
			}
		}
	}
}

// renderDecisions scrapes the webhook's /metrics once and writes a bar chart of what it
// decided to root/decisionsPNG.
func renderDecisions(ctx context.Context, metricURL, root string, seen clientTally) (string, error) {
	body, err := scrape(ctx, metricURL)
	if err != nil {
		return "", err
	}
	families, err := parseMetrics(body)
	if err != nil {
		return "", err
	}
	chart := decisionsChart(families, seen, time.Now().UTC())
	out := filepath.Join(root, decisionsPNG)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	if err := chart.WriteFile(out); err != nil {
		return "", err
	}
	return out, nil
}

func scrape(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func parseMetrics(body []byte) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse /metrics: %w", err)
	}
	return families, nil
}

// decisionsChart builds the chart from the scraped families: requests by webhook and
// decision, violations by action, the policies with most violations, and latency
// quantiles estimated from the histogram.
func decisionsChart(families map[string]*dto.MetricFamily, seen clientTally, now time.Time) plotpng.Chart {
	// Requests by webhook (validate, mutate) and decision.
	requests := map[[2]string]float64{}
	for _, m := range families["apiguard_admission_requests_total"].GetMetric() {
		requests[[2]string{label(m, "webhook"), label(m, "decision")}] += m.GetCounter().GetValue()
	}
	var reqBars []plotpng.Bar
	for _, webhook := range []string{"validate", "mutate"} {
		for _, d := range decisionOrder {
			if v := requests[[2]string{webhook, d}]; v > 0 {
				reqBars = append(reqBars, plotpng.Bar{Label: webhook + ": " + d, Value: v, Color: decisionColor[d]})
			}
		}
	}
	undecided := map[string]float64{}
	for _, m := range families["apiguard_admission_undecided_total"].GetMetric() {
		undecided[label(m, "webhook")+": undecided ("+label(m, "reason")+")"] += m.GetCounter().GetValue()
	}
	for _, k := range sortedKeys(undecided) {
		if undecided[k] > 0 {
			reqBars = append(reqBars, plotpng.Bar{Label: k, Value: undecided[k], Color: colorError})
		}
	}

	// Violations by action, and by policy and action.
	byAction := map[string]float64{}
	type policyAction struct{ policy, action string }
	byPolicy := map[policyAction]float64{}
	for _, m := range families["apiguard_policy_violations_total"].GetMetric() {
		v := m.GetCounter().GetValue()
		byAction[label(m, "action")] += v
		byPolicy[policyAction{label(m, "policy"), label(m, "action")}] += v
	}
	var actionBars []plotpng.Bar
	for _, a := range []string{"deny", "warn", "dryrun"} {
		if v := byAction[a]; v > 0 {
			actionBars = append(actionBars, plotpng.Bar{Label: a, Value: v, Color: actionColor[a]})
		}
	}
	keys := make([]policyAction, 0, len(byPolicy))
	for k, v := range byPolicy {
		if v > 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if a, b := byPolicy[keys[i]], byPolicy[keys[j]]; a != b {
			return a > b
		}
		if keys[i].policy != keys[j].policy {
			return keys[i].policy < keys[j].policy
		}
		return keys[i].action < keys[j].action
	})
	more := ""
	if len(keys) > topPolicies {
		more = fmt.Sprintf(", %d more not shown", len(keys)-topPolicies)
		keys = keys[:topPolicies]
	}
	var policyBars []plotpng.Bar
	for _, k := range keys {
		c, ok := actionColor[k.action]
		if !ok {
			c = colorOther
		}
		policyBars = append(policyBars, plotpng.Bar{Label: k.policy + " [" + k.action + "]", Value: byPolicy[k], Color: c})
	}

	// Latency quantiles per webhook, in milliseconds.
	var latencyBars []plotpng.Bar
	for _, webhook := range []string{"validate", "mutate"} {
		for _, m := range families["apiguard_admission_duration_seconds"].GetMetric() {
			if label(m, "webhook") != webhook || m.GetHistogram().GetSampleCount() == 0 {
				continue
			}
			for _, q := range []struct {
				name string
				q    float64
				c    color.RGBA
			}{{"p50", 0.5, colorP50}, {"p99", 0.99, colorP99}} {
				if v := histogramQuantile(q.q, m.GetHistogram()); !math.IsNaN(v) {
					latencyBars = append(latencyBars, plotpng.Bar{Label: webhook + " " + q.name, Value: v * 1000, Color: q.c})
				}
			}
		}
	}

	return plotpng.Chart{
		Title: "apiguard webhook: what it decided in `make demo`",
		Subtitle: []string{
			fmt.Sprintf("%s: every object of examples/ created through a real kube-apiserver with the webhook registered", now.Format("2006-01-02 15:04 MST")),
			"(failurePolicy Fail). The webhook's /metrics are read after the last one; they count requests, including",
			"the demo's dry-run readiness probes; the first panel counts the objects, as the demo's client saw the answers.",
		},
		Width: 1000,
		Panels: []plotpng.Panel{
			{Title: fmt.Sprintf("Objects of examples/, as the client saw them (%d in all)", seen.admitted+seen.denied+seen.refused), Bars: []plotpng.Bar{
				{Label: "denied by apiguard", Value: float64(seen.denied), Color: colorDenied},
				{Label: "admitted with apiguard warnings", Value: float64(seen.warned), Color: colorWarn},
				{Label: "admitted without warnings", Value: float64(seen.admitted - seen.warned), Color: colorAllowed},
				{Label: "refused by the API server: name taken", Value: float64(seen.taken), Color: colorOther},
				{Label: "refused by the API server: other", Value: float64(seen.refused - seen.taken), Color: colorError},
			}},
			{Title: "Admission requests by webhook and decision (apiguard_admission_requests_total)", Bars: reqBars},
			{Title: "Policy violations by enforcement action (apiguard_policy_violations_total)", Bars: actionBars},
			{Title: fmt.Sprintf("Top %d policies by violations [action]%s", topPolicies, more), Bars: policyBars},
			{Title: "Admission latency, ms, estimated from the apiguard_admission_duration_seconds buckets", Unit: " ms", Decimals: 2, Bars: latencyBars},
		},
	}
}

// histogramQuantile estimates the q-quantile of a classic histogram the way PromQL's
// histogram_quantile does: find the bucket holding rank q*count and interpolate
// linearly inside it, the lowest bucket starting at 0; a rank in the +Inf bucket gives
// the highest finite bound. NaN for an empty histogram.
func histogramQuantile(q float64, h *dto.Histogram) float64 {
	total := float64(h.GetSampleCount())
	if total == 0 || q < 0 || q > 1 {
		return math.NaN()
	}
	buckets := slices.Clone(h.GetBucket())
	slices.SortFunc(buckets, func(a, b *dto.Bucket) int {
		switch {
		case a.GetUpperBound() < b.GetUpperBound():
			return -1
		case a.GetUpperBound() > b.GetUpperBound():
			return 1
		}
		return 0
	})
	rank := q * total
	lower, below := 0.0, 0.0
	for _, b := range buckets {
		upper, cum := b.GetUpperBound(), float64(b.GetCumulativeCount())
		if math.IsInf(upper, 1) {
			break
		}
		if cum >= rank {
			if cum == below {
				return upper
			}
			return lower + (upper-lower)*(rank-below)/(cum-below)
		}
		lower, below = upper, cum
	}
	// The rank lies above every finite bucket.
	return lower
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
