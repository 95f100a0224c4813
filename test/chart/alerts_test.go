package chart

import (
	"context"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"
	"sigs.k8s.io/yaml"
)

// ruleAPI is what `helm template --api-versions` must name for the chart to render its
// PrometheusRule, as `helm install` does when the cluster serves the CRD.
const ruleAPI = "monitoring.coreos.com/v1/PrometheusRule"

// renderRule renders the chart with the PrometheusRule API served and prometheusRule
// enabled, and returns the PrometheusRule, or nil.
func renderRule(t *testing.T, valuesFile string, sets ...string) manifest {
	t.Helper()
	args := []string{"--api-versions", ruleAPI, "--set", "prometheusRule.enabled=true"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	return find(decode(t, render(t, valuesFile, args...)), "PrometheusRule", "")
}

// parseRules validates the PrometheusRule's groups with Prometheus' own rule-file parser
// (what promtool check rules runs: every expr through the PromQL parser, `for`
// durations, label names, annotation templates) and returns its alerts by name.
func parseRules(t *testing.T, d manifest) map[string]rulefmt.Rule {
	t.Helper()
	if d == nil {
		t.Fatal("no PrometheusRule rendered")
	}
	if d["apiVersion"] != "monitoring.coreos.com/v1" {
		t.Errorf("apiVersion %v", d["apiVersion"])
	}
	if ns, _ := get(d, "metadata", "namespace").(string); ns != namespace {
		t.Errorf("PrometheusRule namespace %q, want %q", ns, namespace)
	}
	spec, ok := d["spec"].(map[string]any)
	if !ok || len(spec) != 1 || spec["groups"] == nil {
		t.Fatalf("spec must hold groups only: %v", keysOf(spec))
	}
	raw, err := yaml.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(raw, false, model.UTF8Validation, promQL, slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Errorf("rulefmt: %v", err)
	}
	if groups == nil {
		t.Fatalf("rulefmt refused the groups:\n%s", raw)
	}
	alerts := map[string]rulefmt.Rule{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: a rule that is not an alert: %+v", g.Name, r)
				continue
			}
			if _, dup := alerts[r.Alert]; dup {
				t.Errorf("alert %s defined twice", r.Alert)
			}
			alerts[r.Alert] = r
		}
	}
	return alerts
}

// runbookAnchors are the GitHub anchors of docs/runbooks.md's headings (the slug rule of
// docs/links_test.go).
func runbookAnchors(t *testing.T) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "docs", "runbooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	inFence := false
	for line := range strings.SplitSeq(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#"))) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
				b.WriteRune(r)
			}
		}
		out[b.String()] = true
	}
	return out
}

// Every alert the chart can render, and when it does.
var (
	webhookAlerts   = []string{"ApiguardWebhookUndecided", "ApiguardWebhookSlow", "ApiguardCertificateExpiresSoon", "ApiguardExceptionExpiring"}
	syncAlerts      = []string{"ApiguardPoliciesStale", "ApiguardPolicySyncFailing", "ApiguardPolicyRevisionsDiffer"}
	auditAlerts     = []string{"ApiguardAuditNotRun"}
	defaultSelector = map[string]string{"namespace": namespace, "job": release}
)

// checkAlerts: each alert has a severity, a summary, a description and a runbook link to
// its own heading in docs/runbooks.md, and every series it reads is this release's.
func checkAlerts(t *testing.T, alerts map[string]rulefmt.Rule, want []string, selector map[string]string) {
	t.Helper()
	var names []string
	for n := range alerts {
		names = append(names, n)
	}
	slices.Sort(names)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(names, want) {
		t.Errorf("alerts %v, want %v", names, want)
	}
	anchors := runbookAnchors(t)
	for name, r := range alerts {
		if !slices.Contains([]string{"critical", "warning", "info"}, r.Labels["severity"]) {
			t.Errorf("%s: severity %q", name, r.Labels["severity"])
		}
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("%s: no %s annotation", name, a)
			}
		}
		url := r.Annotations["runbook_url"]
		anchor := strings.ToLower(name)
		if url != "https://github.com/apiguard/apiguard/blob/main/docs/runbooks.md#"+anchor {
			t.Errorf("%s: runbook_url %q", name, url)
		}
		if !anchors[anchor] {
			t.Errorf("%s: docs/runbooks.md has no heading with anchor #%s", name, anchor)
		}
		expr, err := promQL.ParseExpr(r.Expr)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, vs := range refsOf(expr).selectors {
			for l, v := range selector {
				if m := matcher(vs, l); m == nil || m.Type != labels.MatchEqual || m.Value != v {
					t.Errorf("%s: selector %s does not select %s=%q", name, vs, l, v)
				}
			}
		}
	}
}

// TestPrometheusRuleNeedsTheAPI: no PrometheusRule unless enabled, and none when the
// cluster does not serve the API, even when enabled.
func TestPrometheusRuleNeedsTheAPI(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"default":              nil,
		"API served, disabled": {"--api-versions", ruleAPI},
		"enabled, API missing": {"--set", "prometheusRule.enabled=true"},
	}
	for name, args := range cases {
		if d := find(decode(t, render(t, "default.yaml", args...)), "PrometheusRule", ""); d != nil {
			t.Errorf("%s: rendered PrometheusRule %s", name, d.name())
		}
	}
	if renderRule(t, "default.yaml") == nil {
		t.Error("enabled with the API served: no PrometheusRule")
	}
}

// TestAlertsParse renders the PrometheusRule for each policy source and option set, and
// checks every alert with the Prometheus rule parser, its annotations and its runbook.
func TestAlertsParse(t *testing.T) {
	t.Parallel()
	all := slices.Concat(webhookAlerts, syncAlerts, auditAlerts)
	cases := []struct {
		name     string
		values   string
		sets     []string
		want     []string
		selector map[string]string
	}{
		{"git", "default.yaml", nil, all, defaultSelector},
		{"configMap re-read", "configmap.yaml", nil, all, defaultSelector},
		{"configMap read once", "configmap.yaml", []string{"policies.configMapInterval=0s"}, slices.Concat(webhookAlerts, auditAlerts), defaultSelector},
		{"builtin library", "default.yaml", []string{"policies.git.url="}, slices.Concat(webhookAlerts, auditAlerts), defaultSelector},
		{"everything off (no audit, no mutation)", "everything-off.yaml", nil, slices.Concat(webhookAlerts, syncAlerts), defaultSelector},
		{"own selector and labels", "default.yaml",
			[]string{`prometheusRule.selector=cluster="eu-1"\,service="apiguard-metrics"`, "prometheusRule.labels.release=kube-prometheus-stack"},
			all, map[string]string{"cluster": "eu-1", "service": "apiguard-metrics"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			checkAlerts(t, parseRules(t, renderRule(t, c.values, c.sets...)), c.want, c.selector)
		})
	}
	d := renderRule(t, "default.yaml", "prometheusRule.labels.release=kube-prometheus-stack")
	if get(d, "metadata", "labels", "release") != "kube-prometheus-stack" || get(d, "metadata", "labels", "app.kubernetes.io/instance") != release {
		t.Errorf("labels %v", get(d, "metadata", "labels"))
	}
}

// TestAlertThresholds: the thresholds follow the chart's own timeouts and intervals, and
// the threshold values.
func TestAlertThresholds(t *testing.T) {
	t.Parallel()
	type want struct {
		alert string
		expr  []string // substrings of the rendered expression
		for_  string
	}
	cases := []struct {
		name   string
		values string
		sets   []string
		want   []want
	}{{
		// Validating 5s, mutating 3s: --eval-timeout 2s caps both; half of it is 1s.
		// Git every 60s (+10% jitter) within a 60s timeout, 3 times: 3 x (66 + 60) = 378s.
		// Audit every 5m, twice: 600s.
		name: "defaults", values: "default.yaml",
		want: []want{
			{"ApiguardWebhookSlow", []string{`webhook="validate"}[5m]))) > 1` + "\n", `webhook="mutate"}[5m]))) > 1`}, "10m"},
			{"ApiguardWebhookUndecided", []string{"[300s]", "offset 300s"}, "0s"},
			{"ApiguardPoliciesStale", []string{"== 1"}, "6m18s"},
			{"ApiguardPolicySyncFailing", []string{"> 378"}, "0s"},
			{"ApiguardPolicyRevisionsDiffer", []string{"> 1"}, "6m18s"},
			{"ApiguardAuditNotRun", []string{"> 600", "[600s]"}, "0s"},
			{"ApiguardCertificateExpiresSoon", []string{"< 1209600"}, "0s"},
			{"ApiguardExceptionExpiring", []string{"< 1209600"}, "0s"},
		},
	}, {
		// Validating 10s, mutating 8s: --eval-timeout 7s; 0.8 of it is 5.6s for both.
		// A ConfigMap re-read every 30s, no fetch timeout, 5 times: 5 x 33 = 165s.
		name: "configMap and longer timeouts", values: "configmap.yaml",
		sets: []string{"prometheusRule.slow.timeoutPercent=80", "prometheusRule.slow.for=1h30m", "prometheusRule.policySync.intervals=5",
			"prometheusRule.undecided.window=1.5m", "prometheusRule.certificate.expiresWithin=168h", "prometheusRule.exceptions.expiresWithin=500ms",
			"audit.interval=1h30m", "prometheusRule.audit.intervals=1", "prometheusRule.audit.severity=critical"},
		want: []want{
			{"ApiguardWebhookSlow", []string{`webhook="validate"}[5m]))) > 5.6`, `webhook="mutate"}[5m]))) > 5.6`}, "1h30m"},
			{"ApiguardWebhookUndecided", []string{"[90s]", "offset 90s"}, "0s"},
			{"ApiguardPoliciesStale", []string{"== 1"}, "2m45s"},
			{"ApiguardPolicySyncFailing", []string{"> 165"}, "0s"},
			{"ApiguardAuditNotRun", []string{"> 5400", "[5400s]"}, "0s"},
			{"ApiguardCertificateExpiresSoon", []string{"< 604800"}, "0s"},
			{"ApiguardExceptionExpiring", []string{"< 1\n"}, "0s"},
		},
	}, {
		// Only validation, 4s: --eval-timeout 3s; half of it is 1.5s. No mutate branch.
		name: "validation only", values: "everything-off.yaml",
		sets: []string{"policies.git.interval=2m", "policies.git.timeout=30s"},
		want: []want{
			{"ApiguardWebhookSlow", []string{`webhook="validate"}[5m]))) > 1.5` + "\n"}, "10m"},
			{"ApiguardPolicySyncFailing", []string{"> 486"}, "0s"},
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sets := slices.Clone(c.sets)
			alerts := parseRules(t, renderRule(t, c.values, sets...))
			for _, w := range c.want {
				r, ok := alerts[w.alert]
				if !ok {
					t.Errorf("no %s", w.alert)
					continue
				}
				for _, s := range w.expr {
					if !strings.Contains(r.Expr, s) {
						t.Errorf("%s: expr lacks %q:\n%s", w.alert, s, r.Expr)
					}
				}
				if got := r.For.String(); got != w.for_ {
					t.Errorf("%s: for %s, want %s", w.alert, got, w.for_)
				}
			}
			if c.name == "validation only" && strings.Contains(alerts["ApiguardWebhookSlow"].Expr, "mutate") {
				t.Errorf("mutation disabled, yet ApiguardWebhookSlow reads it:\n%s", alerts["ApiguardWebhookSlow"].Expr)
			}
			if c.name == "configMap and longer timeouts" && alerts["ApiguardAuditNotRun"].Labels["severity"] != "critical" {
				t.Errorf("audit severity %q, want critical", alerts["ApiguardAuditNotRun"].Labels["severity"])
			}
		})
	}
}

// TestAlertValuesRejected: the schema refuses thresholds that would make an alert
// meaningless.
func TestAlertValuesRejected(t *testing.T) {
	t.Parallel()
	for _, set := range []string{
		"prometheusRule.slow.timeoutPercent=0",
		"prometheusRule.slow.timeoutPercent=150",
		"prometheusRule.slow.timeoutPercent=0.5",
		"prometheusRule.policySync.intervals=0",
		"prometheusRule.audit.intervals=0",
		"prometheusRule.undecided.severity=page",
		"prometheusRule.certificate.expiresWithin=14d",
		`prometheusRule.selector={job="x"}`,
		"prometheusRule.runbookURL=",
	} {
		if _, err := helm(t, templateArgs([]string{"default.yaml"}, "--api-versions", ruleAPI, "--set", "prometheusRule.enabled=true", "--set", set)...); err == nil {
			t.Errorf("--set %s: rendered, want a schema error", set)
		}
	}
}

// The alerts evaluated by Prometheus' own PromQL engine over synthetic scrapes, the way
// its rule manager does (an instant query every evaluation interval; an alert fires once
// its expression has returned something for `for`): each fires in the situation it is
// for, at the time the chart's intervals say, and not otherwise.

// evalStep is both the scrape and the rule evaluation interval of the simulation.
const evalStep = 30 * time.Second

// simStart is the simulation's time zero, as Unix time.
var simStart = time.Unix(1_800_000_000, 0)

type floatSample struct {
	t int64
	f float64
}

func (s floatSample) T() int64                    { return s.t }
func (floatSample) ST() int64                     { return 0 }
func (s floatSample) F() float64                  { return s.f }
func (floatSample) H() *histogram.Histogram       { return nil }
func (floatSample) FH() *histogram.FloatHistogram { return nil }
func (floatSample) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (s floatSample) Copy() chunks.Sample         { return s }

type memSeries struct {
	lset    labels.Labels
	samples []chunks.Sample
}

// memStorage is an in-memory storage.Queryable of scraped series.
type memStorage []memSeries

// scrape adds a series scraped every evalStep from `from` until `to` (offsets from
// simStart), with the target labels of the chart's ServiceMonitor for pod, and value(at).
func (m *memStorage) scrape(metric, job, pod string, extra map[string]string, from, to time.Duration, value func(at time.Duration) float64) {
	ls := map[string]string{"__name__": metric, "namespace": namespace, "job": job, "pod": pod, "instance": pod + ":8080"}
	maps.Copy(ls, extra)
	s := memSeries{lset: labels.FromMap(ls)}
	for at := from; at <= to; at += evalStep {
		s.samples = append(s.samples, floatSample{simStart.Add(at).UnixMilli(), value(at)})
	}
	*m = append(*m, s)
}

type memSeriesSet struct {
	series []storage.Series
	i      int
}

func (s *memSeriesSet) Next() bool                      { s.i++; return s.i < len(s.series) }
func (s *memSeriesSet) At() storage.Series              { return s.series[s.i] }
func (*memSeriesSet) Err() error                        { return nil }
func (*memSeriesSet) Warnings() annotations.Annotations { return nil }

func (m memStorage) Querier(mint, maxt int64) (storage.Querier, error) {
	return &storage.MockQuerier{SelectMockFunction: func(sortSeries bool, _ *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
		set := &memSeriesSet{i: -1}
		for _, s := range m {
			ok := true
			for _, matcher := range ms {
				ok = ok && matcher.Matches(s.lset.Get(matcher.Name))
			}
			if !ok {
				continue
			}
			var in []chunks.Sample
			for _, smp := range s.samples {
				if smp.T() >= mint && smp.T() <= maxt {
					in = append(in, smp)
				}
			}
			if len(in) > 0 {
				set.series = append(set.series, storage.NewListSeries(s.lset, in))
			}
		}
		if sortSeries {
			slices.SortFunc(set.series, func(a, b storage.Series) int { return labels.Compare(a.Labels(), b.Labels()) })
		}
		return set
	}}, nil
}

// ruleSim evaluates one alerting rule over a memStorage.
type ruleSim struct {
	t      *testing.T
	engine *promql.Engine
	rule   rulefmt.Rule
	store  memStorage
}

// active reports whether the rule's expression returns anything at offset at.
func (s ruleSim) active(at time.Duration) bool {
	s.t.Helper()
	q, err := s.engine.NewInstantQuery(context.Background(), s.store, nil, s.rule.Expr, simStart.Add(at))
	if err != nil {
		s.t.Fatalf("%s: %v", s.rule.Alert, err)
	}
	defer q.Close()
	res := q.Exec(context.Background())
	if res.Err != nil {
		s.t.Fatalf("%s at %s: %v", s.rule.Alert, at, res.Err)
	}
	v, err := res.Vector()
	if err != nil {
		s.t.Fatalf("%s at %s: %v", s.rule.Alert, at, err)
	}
	return len(v) > 0
}

// firesAt is the first evaluation at which the alert fires (active for its `for`), or
// -1 if it does not within horizon.
func (s ruleSim) firesAt(horizon time.Duration) time.Duration {
	since := time.Duration(-1)
	for at := time.Duration(0); at <= horizon; at += evalStep {
		if !s.active(at) {
			since = -1
			continue
		}
		if since < 0 {
			since = at
		}
		if at-since >= time.Duration(s.rule.For) {
			return at
		}
	}
	return -1
}

// TestAlertsFire: with the defaults (Git every 60s within a 60s timeout, audit every 5m),
// each alert fires when and only when it should, for this release's series only.
func TestAlertsFire(t *testing.T) {
	t.Parallel()
	alerts := parseRules(t, renderRule(t, "default.yaml"))
	engine := promql.NewEngine(promql.EngineOpts{
		MaxSamples: 1_000_000, Timeout: 10 * time.Second, LookbackDelta: 5 * time.Minute,
		EnableAtModifier: true, EnableNegativeOffset: true, Parser: promQL,
	})
	const horizon = 40 * time.Minute
	unix := func(d time.Duration) float64 { return float64(simStart.Add(d).Unix()) }
	constant := func(v float64) func(time.Duration) float64 { return func(time.Duration) float64 { return v } }
	// A counter at 0 until step, then n.
	stepTo := func(step time.Duration, n float64) func(time.Duration) float64 {
		return func(at time.Duration) float64 {
			if at < step {
				return 0
			}
			return n
		}
	}
	perSecond := func(r float64) func(time.Duration) float64 {
		return func(at time.Duration) float64 { return r * at.Seconds() }
	}
	day := 24 * time.Hour
	cases := []struct {
		name  string
		alert string
		build func(m *memStorage)
		// want is when the alert fires; -1 for never within the horizon.
		want time.Duration
		// quietAt: offsets at which its expression must return nothing (not even pending).
		quietAt []time.Duration
	}{
		{"first undecided request of a pod (a new series)", "ApiguardWebhookUndecided", func(m *memStorage) {
			m.scrape("apiguard_admission_undecided_total", release, "a", map[string]string{"webhook": "mutate", "reason": "timeout"}, 10*time.Minute, horizon, constant(1))
		}, 10 * time.Minute, []time.Duration{9 * time.Minute, 16 * time.Minute}},
		{"undecided requests on an existing series", "ApiguardWebhookUndecided", func(m *memStorage) {
			m.scrape("apiguard_admission_undecided_total", release, "a", map[string]string{"webhook": "validate", "reason": "overloaded"}, 0, horizon, stepTo(20*time.Minute, 4))
		}, 20 * time.Minute, []time.Duration{10 * time.Minute, 26 * time.Minute}},
		{"undecided requests of another release", "ApiguardWebhookUndecided", func(m *memStorage) {
			m.scrape("apiguard_admission_undecided_total", "other", "a", map[string]string{"webhook": "validate", "reason": "timeout"}, 10*time.Minute, horizon, constant(1))
		}, -1, nil},
		{"p99 near the deadline for 10m", "ApiguardWebhookSlow", func(m *memStorage) {
			for le, share := range map[string]float64{"0.5": 0, "1": 0, "2.5": 1, "+Inf": 1} {
				m.scrape("apiguard_admission_duration_seconds_bucket", release, "a", map[string]string{"webhook": "validate", "le": le}, 0, horizon, perSecond(5*share))
			}
		}, 10*time.Minute + evalStep, nil},
		{"fast requests", "ApiguardWebhookSlow", func(m *memStorage) {
			for _, le := range []string{"0.5", "1", "2.5", "+Inf"} {
				m.scrape("apiguard_admission_duration_seconds_bucket", release, "a", map[string]string{"webhook": "validate", "le": le}, 0, horizon, perSecond(5))
			}
		}, -1, nil},
		{"stale for 3 intervals", "ApiguardPoliciesStale", func(m *memStorage) {
			m.scrape("apiguard_policy_stale", release, "a", nil, 0, horizon, constant(1))
			m.scrape("apiguard_policy_stale", release, "b", nil, 0, horizon, constant(0))
		}, 390 * time.Second, nil},
		{"stale for 2 intervals, then recovered", "ApiguardPoliciesStale", func(m *memStorage) {
			m.scrape("apiguard_policy_stale", release, "a", nil, 0, horizon, func(at time.Duration) float64 {
				if at < 2*time.Minute {
					return 1
				}
				return 0
			})
		}, -1, nil},
		{"no successful sync since 0s", "ApiguardPolicySyncFailing", func(m *memStorage) {
			m.scrape("apiguard_policy_last_success_timestamp_seconds", release, "a", nil, 0, horizon, constant(unix(0)))
			m.scrape("process_start_time_seconds", release, "a", nil, 0, horizon, constant(unix(-time.Hour)))
		}, 390 * time.Second, []time.Duration{6 * time.Minute}},
		{"never synced since the process started", "ApiguardPolicySyncFailing", func(m *memStorage) {
			m.scrape("apiguard_policy_last_success_timestamp_seconds", release, "a", nil, 0, horizon, constant(0))
			m.scrape("process_start_time_seconds", release, "a", nil, 0, horizon, constant(unix(0)))
		}, 390 * time.Second, []time.Duration{6 * time.Minute}},
		{"a sync every minute", "ApiguardPolicySyncFailing", func(m *memStorage) {
			m.scrape("apiguard_policy_last_success_timestamp_seconds", release, "a", nil, 0, horizon, func(at time.Duration) float64 { return unix(at.Truncate(time.Minute)) })
			m.scrape("process_start_time_seconds", release, "a", nil, 0, horizon, constant(unix(-time.Hour)))
		}, -1, nil},
		{"replicas on two revisions", "ApiguardPolicyRevisionsDiffer", func(m *memStorage) {
			m.scrape("apiguard_policy_info", release, "a", map[string]string{"revision": "1111111", "source": "git"}, 0, horizon, constant(1))
			m.scrape("apiguard_policy_info", release, "b", map[string]string{"revision": "2222222", "source": "git"}, 0, horizon, constant(1))
		}, 390 * time.Second, nil},
		{"replicas on one revision", "ApiguardPolicyRevisionsDiffer", func(m *memStorage) {
			m.scrape("apiguard_policy_info", release, "a", map[string]string{"revision": "1111111", "source": "git"}, 0, horizon, constant(1))
			m.scrape("apiguard_policy_info", release, "b", map[string]string{"revision": "1111111", "source": "git"}, 0, horizon, constant(1))
		}, -1, nil},
		{"certificate expiring in 13 days", "ApiguardCertificateExpiresSoon", func(m *memStorage) {
			m.scrape("apiguard_tls_certificate_expiry_timestamp_seconds", release, "a", nil, 0, horizon, constant(unix(13*day)))
		}, 0, nil},
		{"certificate expiring in 15 days", "ApiguardCertificateExpiresSoon", func(m *memStorage) {
			m.scrape("apiguard_tls_certificate_expiry_timestamp_seconds", release, "a", nil, 0, horizon, constant(unix(15*day)))
		}, -1, nil},
		{"audit last ran at 0s", "ApiguardAuditNotRun", func(m *memStorage) {
			m.scrape("apiguard_audit_last_run_timestamp_seconds", release, "a", nil, 0, horizon, constant(unix(0)))
		}, 630 * time.Second, []time.Duration{10 * time.Minute}},
		{"audit every 5m", "ApiguardAuditNotRun", func(m *memStorage) {
			m.scrape("apiguard_audit_last_run_timestamp_seconds", release, "a", nil, 0, horizon, func(at time.Duration) float64 { return unix(at.Truncate(5 * time.Minute)) })
		}, -1, nil},
		// The leader's series ends at 10m: no replica publishes a run any more. Range
		// selectors are left-open, so at 20m the last sample (10m) is out of the window.
		{"audit leader gone", "ApiguardAuditNotRun", func(m *memStorage) {
			m.scrape("apiguard_audit_last_run_timestamp_seconds", release, "a", nil, 0, 10*time.Minute, func(at time.Duration) float64 { return unix(at.Truncate(5 * time.Minute)) })
		}, 20 * time.Minute, []time.Duration{15 * time.Minute, 20*time.Minute - evalStep}},
		{"audit results only from another release", "ApiguardAuditNotRun", func(m *memStorage) {
			m.scrape("apiguard_audit_last_run_timestamp_seconds", "other", "a", nil, 0, horizon, func(at time.Duration) float64 { return unix(at.Truncate(5 * time.Minute)) })
		}, 0, nil},
		{"exception expiring in 13 days", "ApiguardExceptionExpiring", func(m *memStorage) {
			m.scrape(exceptionExpiryMetric, release, "a", map[string]string{"exception": "legacy-http", "policy": "ingress.require_tls"}, 0, horizon, constant(unix(13*day)))
			m.scrape(exceptionExpiryMetric, release, "b", map[string]string{"exception": "legacy-http", "policy": "ingress.require_tls"}, 0, horizon, constant(unix(13*day)))
		}, 0, nil},
		{"exception expired yesterday", "ApiguardExceptionExpiring", func(m *memStorage) {
			m.scrape(exceptionExpiryMetric, release, "a", map[string]string{"exception": "legacy-http", "policy": "ingress.require_tls"}, 0, horizon, constant(unix(-day)))
		}, 0, nil},
		{"exception expiring in 15 days", "ApiguardExceptionExpiring", func(m *memStorage) {
			m.scrape(exceptionExpiryMetric, release, "a", map[string]string{"exception": "legacy-http", "policy": "ingress.require_tls"}, 0, horizon, constant(unix(15*day)))
		}, -1, nil},
	}
	for _, c := range cases {
		t.Run(c.alert+"/"+c.name, func(t *testing.T) {
			rule, ok := alerts[c.alert]
			if !ok {
				t.Fatalf("no alert %s", c.alert)
			}
			var store memStorage
			c.build(&store)
			sim := ruleSim{t: t, engine: engine, rule: rule, store: store}
			if got := sim.firesAt(horizon); got != c.want {
				t.Errorf("fires at %v, want %v (-1: never)\n%s", got, c.want, rule.Expr)
			}
			for _, at := range c.quietAt {
				if sim.active(at) {
					t.Errorf("active at %v\n%s", at, rule.Expr)
				}
			}
		})
	}
}
