package chart

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// The dashboard shipped in the chart (grafana.dashboard.enabled) and what its queries
// read. Queries are parsed with the Prometheus library, never matched with regular
// expressions: the metric and label names a test checks are the parser's.

func dashboardFile() string { return filepath.Join(chartDir, "dashboards", "apiguard.json") }

// promQL is a parser with Prometheus' default options: no experimental functions or
// syntax, so what parses here parses on a stock Prometheus.
var promQL = parser.NewParser(parser.Options{})

// grafanaIntervals are the interval variables Grafana substitutes before a query reaches
// Prometheus. Other variables ($namespace, $job, $datasource) may only appear inside
// string literals (label matchers), where the parser keeps them as text; one anywhere
// else makes the query fail to parse.
var grafanaIntervals = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "6h")

// labelValues is Grafana's variable query label_values(<selector>, <label>), which is not
// PromQL: its selector is parsed alone.
var labelValues = regexp.MustCompile(`^\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

// dashboardQuery is one PromQL query of the dashboard: a panel target or a variable.
type dashboardQuery struct {
	where string // "panel <title> <refId>" or "variable <name>"
	expr  string
	// variable queries have no dashboard variables of their own to filter by.
	variable bool
}

func loadDashboard(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile())
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardFile(), err)
	}
	return d
}

// dashboardPanels lists every panel, those nested in collapsed rows included.
func dashboardPanels(d map[string]any) []map[string]any {
	var out []map[string]any
	var walk func(list any)
	walk = func(list any) {
		items, _ := list.([]any)
		for _, it := range items {
			p, ok := it.(map[string]any)
			if !ok {
				continue
			}
			out = append(out, p)
			walk(p["panels"])
		}
	}
	walk(d["panels"])
	return out
}

// dashboardQueries lists the panel targets' and the query variables' PromQL. It fails the
// test for a panel without a query.
func dashboardQueries(t *testing.T, d map[string]any) []dashboardQuery {
	t.Helper()
	var out []dashboardQuery
	for _, p := range dashboardPanels(d) {
		title, _ := p["title"].(string)
		if p["type"] == "row" {
			continue
		}
		targets, _ := p["targets"].([]any)
		n := 0
		for _, tg := range targets {
			m, _ := tg.(map[string]any)
			expr, _ := m["expr"].(string)
			if strings.TrimSpace(expr) == "" {
				t.Errorf("panel %q: target %v has no expr", title, m["refId"])
				continue
			}
			n++
			out = append(out, dashboardQuery{where: fmt.Sprintf("panel %q %v", title, m["refId"]), expr: expr})
		}
		if n == 0 {
			t.Errorf("panel %q has no query", title)
		}
	}
	vars, _ := get(d, "templating", "list").([]any)
	for _, v := range vars {
		m, _ := v.(map[string]any)
		if m["type"] != "query" {
			continue
		}
		q, _ := get(m, "query", "query").(string)
		if q == "" {
			q, _ = m["query"].(string)
		}
		out = append(out, dashboardQuery{where: fmt.Sprintf("variable %v", m["name"]), expr: q, variable: true})
	}
	return out
}

// parseQuery parses a dashboard query as Prometheus would receive it.
func parseQuery(q string) (parser.Expr, error) {
	if m := labelValues.FindStringSubmatch(q); m != nil {
		return promQL.ParseExpr(grafanaIntervals.Replace(m[1]))
	}
	return promQL.ParseExpr(grafanaIntervals.Replace(q))
}

// queryRefs is what a PromQL expression reads: metric names, and the label names it
// matches on, groups by or copies from (label_replace's source), besides the labels it
// creates itself (label_replace's destination).
type queryRefs struct {
	metrics   []string
	selectors []*parser.VectorSelector
	labels    []string
	created   []string
}

func refsOf(expr parser.Expr) queryRefs {
	var r queryRefs
	add := func(list *[]string, s string) {
		if s != "" && !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			r.selectors = append(r.selectors, n)
			add(&r.metrics, n.Name)
			for _, m := range n.LabelMatchers {
				if m.Name != labels.MetricName {
					add(&r.labels, m.Name)
				}
			}
		case *parser.AggregateExpr:
			for _, l := range n.Grouping {
				add(&r.labels, l)
			}
		case *parser.BinaryExpr:
			if n.VectorMatching != nil {
				for _, l := range n.VectorMatching.MatchingLabels {
					add(&r.labels, l)
				}
			}
		case *parser.Call:
			if n.Func.Name == "label_replace" && len(n.Args) == 5 {
				if dst, ok := n.Args[1].(*parser.StringLiteral); ok {
					add(&r.created, dst.Val)
				}
				if src, ok := n.Args[3].(*parser.StringLiteral); ok {
					add(&r.labels, src.Val)
				}
			}
		}
		return nil
	})
	return r
}

// matcher returns the selector's matcher on label name, or nil.
func matcher(vs *parser.VectorSelector, name string) *labels.Matcher {
	for _, m := range vs.LabelMatchers {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// TestDashboardJSON: the dashboard is valid JSON that Grafana's sidecar can load, every
// panel has a query, every query parses with the Prometheus parser, reads this
// release's series only (the namespace and job variables), and the panels cover what
// issue 21 lists.
func TestDashboardJSON(t *testing.T) {
	needHelm(t) // setup found the repository root
	d := loadDashboard(t)
	for _, k := range []string{"title", "uid"} {
		if s, _ := d[k].(string); s == "" {
			t.Errorf("dashboard has no %s", k)
		}
	}
	if _, ok := d["schemaVersion"].(float64); !ok {
		t.Error("dashboard has no schemaVersion")
	}
	if d["id"] != nil {
		t.Errorf("dashboard id %v: a provisioned dashboard must not carry a database id", d["id"])
	}
	ids := map[float64]string{}
	for _, p := range dashboardPanels(d) {
		title, _ := p["title"].(string)
		id, _ := p["id"].(float64)
		if other, dup := ids[id]; dup {
			t.Errorf("panels %q and %q share id %v", other, title, id)
		}
		ids[id] = title
		x, _ := get(p, "gridPos", "x").(float64)
		w, _ := get(p, "gridPos", "w").(float64)
		if w <= 0 || x+w > 24 {
			t.Errorf("panel %q: gridPos x=%v w=%v outside the 24-column grid", title, x, w)
		}
		if p["type"] == "row" {
			continue
		}
		if desc, _ := p["description"].(string); desc == "" {
			t.Errorf("panel %q has no description", title)
		}
		if uid, _ := get(p, "datasource", "uid").(string); uid != "${datasource}" {
			t.Errorf("panel %q: datasource uid %q; want the dashboard's ${datasource} variable", title, uid)
		}
	}
	vars := map[string]bool{}
	list, _ := get(d, "templating", "list").([]any)
	for _, v := range list {
		m, _ := v.(map[string]any)
		name, _ := m["name"].(string)
		vars[name] = true
	}
	for _, v := range []string{"datasource", "namespace", "job"} {
		if !vars[v] {
			t.Errorf("dashboard has no %q variable", v)
		}
	}

	used := map[string]bool{}
	for _, q := range dashboardQueries(t, d) {
		expr, err := parseQuery(q.expr)
		if err != nil {
			t.Errorf("%s: does not parse: %v\n%s", q.where, err, q.expr)
			continue
		}
		r := refsOf(expr)
		if len(r.metrics) == 0 {
			t.Errorf("%s: reads no metric: %s", q.where, q.expr)
		}
		for _, m := range r.metrics {
			used[m] = true
			if !strings.HasPrefix(m, "apiguard_") {
				t.Errorf("%s: reads %s, not an apiguard metric", q.where, m)
			}
		}
		if q.variable {
			continue
		}
		// Every selector is narrowed to the release chosen in the variables, so two
		// installations never add up in one panel.
		for _, vs := range r.selectors {
			for label, want := range map[string]string{"namespace": "$namespace", "job": "$job"} {
				if m := matcher(vs, label); m == nil || m.Type != labels.MatchRegexp || m.Value != want {
					t.Errorf("%s: selector %s does not match %s=~%q", q.where, vs, label, want)
				}
			}
		}
	}
	// The panels of issue 21: admission rate, latency and decisions by policy; undecided
	// requests; revision and staleness per replica; sync results; audit violations by
	// policy and namespace; exceptions nearing expiry.
	for _, m := range []string{
		"apiguard_admission_requests_total",
		"apiguard_admission_duration_seconds_bucket",
		"apiguard_policy_violations_total",
		"apiguard_admission_undecided_total",
		"apiguard_policy_info",
		"apiguard_policy_stale",
		"apiguard_policy_last_success_timestamp_seconds",
		"apiguard_policy_sync_total",
		"apiguard_audit_violations",
		"apiguard_audit_last_run_timestamp_seconds",
		exceptionExpiryMetric,
	} {
		if !used[m] {
			t.Errorf("no dashboard query reads %s", m)
		}
	}
}

// TestDashboardConfigMap: off by default; when on, one ConfigMap for the Grafana
// sidecar with the chart's labels, the sidecar's label, and the JSON file unchanged.
func TestDashboardConfigMap(t *testing.T) {
	t.Parallel()
	for _, docs := range [][]manifest{
		decode(t, render(t, "default.yaml")),
		decode(t, render(t, "default.yaml", "--set", "grafana.dashboard.enabled=false")),
	} {
		for _, d := range docs {
			if d.kind() == "ConfigMap" && get(d, "metadata", "labels", "grafana_dashboard") != nil {
				t.Errorf("grafana.dashboard.enabled=false rendered the dashboard ConfigMap %s", d.name())
			}
		}
		if find(docs, "ConfigMap", release+"-dashboard") != nil {
			t.Errorf("grafana.dashboard.enabled=false rendered ConfigMap %s-dashboard", release)
		}
	}

	want, err := os.ReadFile(dashboardFile())
	if err != nil {
		t.Fatal(err)
	}
	docs := decode(t, render(t, "default.yaml", "--set", "grafana.dashboard.enabled=true"))
	var cm corev1.ConfigMap
	into(t, mustFind(t, docs, "ConfigMap", release+"-dashboard"), &cm)
	if cm.Namespace != namespace {
		t.Errorf("namespace %q, want the release namespace %q", cm.Namespace, namespace)
	}
	wantLabels := map[string]string{
		"grafana_dashboard":            "1",
		"app.kubernetes.io/name":       "apiguard",
		"app.kubernetes.io/instance":   release,
		"app.kubernetes.io/managed-by": "Helm",
	}
	for k, v := range wantLabels {
		if cm.Labels[k] != v {
			t.Errorf("label %s=%q, want %q (labels %v)", k, cm.Labels[k], v, cm.Labels)
		}
	}
	if cm.Labels["helm.sh/chart"] == "" {
		t.Errorf("no helm.sh/chart label: %v", cm.Labels)
	}
	if len(cm.Data) != 1 || strings.TrimRight(cm.Data["apiguard.json"], "\n") != strings.TrimRight(string(want), "\n") {
		t.Errorf("data: keys %v; apiguard.json differs from %s", keysOf(cm.Data), dashboardFile())
	}

	// A sidecar watching another namespace, another label value, a folder annotation.
	docs = decode(t, render(t, "default.yaml", "--set", "grafana.dashboard.enabled=true",
		"--set", "grafana.dashboard.namespace=monitoring",
		"--set", "grafana.dashboard.labels.grafana_dashboard=apiguard",
		"--set", "grafana.dashboard.labels.team=platform",
		"--set", "grafana.dashboard.annotations.grafana_folder=Security"))
	cm = corev1.ConfigMap{}
	into(t, mustFind(t, docs, "ConfigMap", release+"-dashboard"), &cm)
	if cm.Namespace != "monitoring" || cm.Labels["grafana_dashboard"] != "apiguard" || cm.Labels["team"] != "platform" ||
		cm.Annotations["grafana_folder"] != "Security" {
		t.Errorf("overrides not applied: namespace %q, labels %v, annotations %v", cm.Namespace, cm.Labels, cm.Annotations)
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
