package audit

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	orv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/pkg/policy"
)

// The audit's results as OpenReports (openreports.io/v1alpha1, the policy working
// group's PolicyReport moved to github.com/openreports/reports-api; the types are that
// module's apis/openreports.io/v1alpha1). One Report per audited namespaced object and
// one ClusterReport per audited cluster-scoped object (KongClusterPlugin), with the
// object as the Report's scope and as its owner: docs/audit.md gives the sizes that
// chose this shape over one Report per namespace.

// Report format constants.
const (
	// ReportSource is the source of every Report and result.
	ReportSource = "apiguard"
	// ReportNamePrefix starts every Report's name; the rest is the object's UID, so a
	// Report names one incarnation of an object and never collides with another
	// producer's (Kyverno names its per-resource reports by bare UID).
	ReportNamePrefix = "apiguard-"
	// ReportManagedByLabel marks the Reports apiguard writes; the writer lists and
	// deletes only those (and only with ReportNamePrefix).
	ReportManagedByLabel = "app.kubernetes.io/managed-by"
	ReportManagedBy      = "apiguard"
	// ReportHashAnnotation holds a digest of the Report's content (timestamps left
	// out): the writer compares it before writing, so an unchanged Report is never
	// rewritten.
	ReportHashAnnotation = "apiguard.io/report-hash"
	// ReportTotalAnnotation is set when results were cut at the per-Report cap: how
	// many there were. The summary always counts them all.
	ReportTotalAnnotation = "apiguard.io/results-total"
	// DefaultMaxReportResults caps the results of one Report (the format's
	// configuration.limits.maxResults).
	DefaultMaxReportResults = 100
	// DefaultMaxReports caps the Reports and ClusterReports apiguard keeps.
	DefaultMaxReports = 20000
	// DefaultReportWritesPerRun caps the API writes (create, update, delete) one run
	// makes; a larger backlog is written by the next runs, failing objects first.
	DefaultReportWritesPerRun = 1000
	// maxResultMessage bounds one result's message; policy messages are one line.
	maxResultMessage = 2048
)

// Result property keys: the run's policy revision, the /audit action, a would-patch's
// JSON pointer, and the PolicyException that made a finding skip.
const (
	PropertyRevision  = "revision"
	PropertyAction    = "action"
	PropertyPath      = "path"
	PropertyException = "exception"
)

// Rule names in results: the kind of rule that found the result (a violation rule
// reports as deny).
const (
	RuleDeny  = "deny"
	RuleWarn  = "warn"
	RulePatch = "patch"
)

// ReportsGroupVersion is the OpenReports API version written.
var ReportsGroupVersion = schema.GroupVersion{Group: "openreports.io", Version: "v1alpha1"}

// ReportOptions configure the Reports.
type ReportOptions struct {
	// Off stops writing Reports; otherwise they are written whenever the cluster serves
	// openreports.io/v1alpha1 reports.
	Off bool
	// MaxReports caps the Reports and ClusterReports kept; zero means DefaultMaxReports.
	// Over the cap, objects with a fail result are kept first, then error, warn, pass.
	MaxReports int
	// MaxResults caps one Report's results; zero means DefaultMaxReportResults.
	MaxResults int
	// WritesPerRun caps one run's API writes; zero means DefaultReportWritesPerRun.
	WritesPerRun int
	// PassResults adds a pass result for each rule kind of each applicable policy that
	// found nothing, and so a Report for every judged object. Off (the default), Reports
	// hold findings only (the format's statusFilter fail, warn, error, skip) and a clean
	// object has none: about a seventh of the bytes (docs/audit.md).
	PassResults bool
}

// findingStatuses is the format's statusFilter without pass results.
var findingStatuses = []orv1alpha1.StatusFilter{"fail", "warn", "error", "skip"}

func (o ReportOptions) withDefaults() ReportOptions {
	if o.MaxReports <= 0 {
		o.MaxReports = DefaultMaxReports
	}
	if o.MaxResults <= 0 {
		o.MaxResults = DefaultMaxReportResults
	}
	if o.WritesPerRun <= 0 {
		o.WritesPerRun = DefaultReportWritesPerRun
	}
	return o
}

// OpenReport is one Report (Namespace set) or ClusterReport to write.
type OpenReport struct {
	// Object is a *v1alpha1.Report or a *v1alpha1.ClusterReport.
	Object          runtime.Object
	Namespace, Name string
	// Hash is the content digest, also in ReportHashAnnotation.
	Hash string
	// rank orders Reports for the total cap: 0 fail, 1 error, 2 warn, 3 skip, 4 pass only.
	rank int
}

// reportPolicy is what a result needs of a policy.
type reportPolicy struct {
	id, enforcement string
	severity        orv1alpha1.ResultSeverity
	rules           []string // deny, warn, patch: the rule kinds it defines
	kinds           []string
}

// ReportBuilder turns one run's entries into Reports. It is built once per run from the
// run's policy set, so every Report of a run names one revision.
type ReportBuilder struct {
	revision  string
	opts      ReportOptions
	policies  map[string]*reportPolicy
	ordered   []*reportPolicy
	keep      map[orv1alpha1.Result]bool
	timestamp metav1.Timestamp
	exempt    func(namespace string) bool
}

// NewReportBuilder prepares the Reports of a run of set that started at now.
func NewReportBuilder(set *policy.PolicySet, opts ReportOptions, now time.Time) *ReportBuilder {
	b := &ReportBuilder{
		revision:  set.Revision(),
		opts:      opts.withDefaults(),
		policies:  map[string]*reportPolicy{},
		timestamp: metav1.Timestamp{Seconds: now.Unix()},
		exempt:    set.IsExempt,
	}
	for _, p := range set.Policies() {
		if p.Enforcement == policy.ActionOff || p.Inert {
			continue // not evaluated: neither pass nor fail
		}
		rp := &reportPolicy{id: p.ID, severity: severityOf(p.Severity), enforcement: string(p.Enforcement), kinds: p.Kinds}
		for _, r := range p.Rules {
			switch r {
			case policy.RuleDeny, policy.RuleViolation:
				rp.rules = append(rp.rules, RuleDeny)
			case policy.RuleWarn:
				rp.rules = append(rp.rules, RuleWarn)
			case policy.RulePatch:
				rp.rules = append(rp.rules, RulePatch)
			}
		}
		slices.Sort(rp.rules)
		rp.rules = slices.Compact(rp.rules)
		b.policies[p.ID] = rp
		b.ordered = append(b.ordered, rp)
	}
	slices.SortFunc(b.ordered, func(x, y *reportPolicy) int { return cmp.Compare(x.id, y.id) })
	if !b.opts.PassResults {
		b.keep = map[orv1alpha1.Result]bool{}
		for _, s := range findingStatuses {
			b.keep[orv1alpha1.Result(s)] = true
		}
	}
	return b
}

// severityOf maps custom.severity to the format's enum (critical, high, medium, low,
// info); anything else is left out, as the CRD would refuse it.
func severityOf(s string) orv1alpha1.ResultSeverity {
	switch s = strings.ToLower(strings.TrimSpace(s)); s {
	case "critical", "high", "medium", "low", "info":
		return orv1alpha1.ResultSeverity(s)
	}
	return ""
}

// applies reports whether p is evaluated for objects of group and kind: the rule of
// the policy set's partitions (a "group/Kind" entry for that group, a bare "Kind" for
// any group, no kinds for every kind).
func (p *reportPolicy) applies(group, kind string) bool {
	if len(p.kinds) == 0 {
		return true
	}
	for _, entry := range p.kinds {
		g, k, qualified := strings.Cut(entry, "/")
		if !qualified {
			if entry == kind {
				return true
			}
			continue
		}
		if g == "core" {
			g = ""
		}
		if g == group && k == kind {
			return true
		}
	}
	return false
}

// ruleOf names the rule kind behind an entry. Patches are patch; a deny entry is a
// deny (or violation) rule's. A warn or dryrun entry is a warn rule's when the policy
// has no deny rule, or when its enforcement is deny (a deny rule's finding would then
// be a deny entry); otherwise it is a deny rule's finding demoted by the enforcement
// stage. The one case this cannot tell apart, a policy with both rule kinds in the warn
// or dryrun stage, reports deny (the stricter reading) and ambiguous, so neither rule
// kind of that policy is reported as a pass.
func (b *ReportBuilder) ruleOf(e Entry) (rule string, ambiguous bool) {
	switch e.Action {
	case ActionPatch:
		return RulePatch, false
	case ActionError:
		return "", false
	case string(policy.ActionDeny):
		return RuleDeny, false
	}
	p := b.policies[e.Policy]
	if p == nil {
		return RuleDeny, false
	}
	hasDeny, hasWarn := slices.Contains(p.rules, RuleDeny), slices.Contains(p.rules, RuleWarn)
	if e.Action == ActionSkip {
		// An excepted finding keeps no action: only the policy's rule kinds tell.
		if !hasDeny {
			return RuleWarn, false
		}
		return RuleDeny, hasWarn
	}
	if hasWarn && (!hasDeny || p.enforcement == string(policy.ActionDeny)) {
		return RuleWarn, false
	}
	return RuleDeny, hasWarn
}

// resultOf is the format's result for a finding: a deny rule's finding fails whatever
// the enforcement stage (warn and dryrun change admission, not the requirement); a warn
// rule's is warn, and so is a missing secure default (patch), which is not a violation;
// one a PolicyException allows is skip.
func resultOf(rule, action string) orv1alpha1.Result {
	switch {
	case action == ActionError:
		return orv1alpha1.Result("error")
	case action == ActionSkip:
		return orv1alpha1.Result("skip")
	case rule == RuleDeny:
		return orv1alpha1.Result("fail")
	default:
		return orv1alpha1.Result("warn")
	}
}

func rankOf(r orv1alpha1.Result) int {
	switch r {
	case "fail":
		return 0
	case "error":
		return 1
	case "warn":
		return 2
	case "skip":
		return 3
	}
	return 4
}

func groupOf(apiVersion string) string {
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		return g
	}
	return ""
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Build returns the Report of one object judged in the run, from its entries (all of
// them, before /audit's cap); ok is false when the object gets none: its namespace is
// exempt (nothing was evaluated), or no result is left (no policy applies, or the
// status filter removed every one).
func (b *ReportBuilder) Build(o *Object, entries []Entry) (OpenReport, bool) {
	if o.Namespace != "" && b.exempt(o.Namespace) {
		return OpenReport{}, false
	}
	var results []orv1alpha1.ReportResult
	var summary orv1alpha1.ReportSummary
	count := func(r orv1alpha1.Result) {
		switch r {
		case "pass":
			summary.Pass++
		case "fail":
			summary.Fail++
		case "warn":
			summary.Warn++
		case "error":
			summary.Error++
		case "skip":
			summary.Skip++
		}
	}
	add := func(r orv1alpha1.ReportResult) {
		count(r.Result)
		if b.keep == nil || b.keep[r.Result] {
			results = append(results, r)
		}
	}
	found := map[string]bool{} // policy + "/" + rule with a finding
	for _, e := range entries {
		rule, ambiguous := b.ruleOf(e)
		if ambiguous {
			found[e.Policy+"/"+RuleWarn] = true
		}
		r := orv1alpha1.ReportResult{
			Source: ReportSource, Policy: e.Policy, Rule: rule,
			Timestamp:   b.timestamp,
			Result:      resultOf(rule, e.Action),
			Description: cut(e.Message, maxResultMessage),
			Properties:  map[string]string{PropertyRevision: e.Revision, PropertyAction: e.Action},
		}
		if p := b.policies[e.Policy]; p != nil {
			r.Severity = p.severity
			r.Category = category(p.id)
		}
		if e.Path != "" {
			r.Properties[PropertyPath] = e.Path
		}
		if e.Exception != "" {
			// A finding a PolicyException allows: result skip, the exception named.
			r.Properties[PropertyException] = e.Exception
		}
		found[e.Policy+"/"+rule] = true
		add(r)
	}
	if b.opts.PassResults && (len(entries) != 1 || entries[0].Action != ActionError) {
		// pass: each rule kind of each policy that applies to the kind and found nothing.
		group := groupOf(o.APIVersion)
		for _, p := range b.ordered {
			if !p.applies(group, o.Kind) {
				continue
			}
			for _, rule := range p.rules {
				if found[p.id+"/"+rule] {
					continue
				}
				add(orv1alpha1.ReportResult{
					Source: ReportSource, Policy: p.id, Rule: rule, Category: category(p.id), Severity: p.severity,
					Timestamp: b.timestamp, Result: "pass",
					Properties: map[string]string{PropertyRevision: b.revision},
				})
			}
		}
	}
	if len(results) == 0 {
		return OpenReport{}, false
	}
	rank := 4
	for _, r := range results {
		rank = min(rank, rankOf(r.Result))
	}
	// Findings first (fail, error, warn, then /audit order), passes last: the cap keeps
	// the findings.
	slices.SortStableFunc(results, func(x, y orv1alpha1.ReportResult) int {
		return cmp.Compare(rankOf(x.Result), rankOf(y.Result))
	})
	total := len(results)
	if total > b.opts.MaxResults {
		results = results[:b.opts.MaxResults]
	}
	meta := metav1.ObjectMeta{
		Name:      ReportNamePrefix + string(o.UID),
		Namespace: o.Namespace,
		Labels:    map[string]string{ReportManagedByLabel: ReportManagedBy},
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion: o.APIVersion, Kind: o.Kind, Name: o.Name, UID: o.UID,
		}},
	}
	if total > len(results) {
		meta.Annotations = map[string]string{ReportTotalAnnotation: strconv.Itoa(total)}
	}
	scope := &corev1.ObjectReference{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, UID: o.UID}
	config := &orv1alpha1.ReportConfiguration{Limits: orv1alpha1.Limits{MaxResults: b.opts.MaxResults}}
	if !b.opts.PassResults {
		config.Limits.StatusFilter = slices.Clone(findingStatuses)
	}
	var obj runtime.Object
	if o.Namespace != "" {
		obj = &orv1alpha1.Report{
			TypeMeta:   metav1.TypeMeta{APIVersion: ReportsGroupVersion.String(), Kind: "Report"},
			ObjectMeta: meta, Source: ReportSource, Scope: scope, Configuration: config, Summary: summary, Results: results,
		}
	} else {
		obj = &orv1alpha1.ClusterReport{
			TypeMeta:   metav1.TypeMeta{APIVersion: ReportsGroupVersion.String(), Kind: "ClusterReport"},
			ObjectMeta: meta, Source: ReportSource, Scope: scope, Configuration: config, Summary: summary, Results: results,
		}
	}
	hash := contentHash(obj)
	reportMeta(obj).Annotations = mergeAnnotation(reportMeta(obj).Annotations, ReportHashAnnotation, hash)
	return OpenReport{Object: obj, Namespace: o.Namespace, Name: meta.Name, Hash: hash, rank: rank}, true
}

func category(id string) string {
	pack, _, _ := strings.Cut(id, ".")
	return pack
}

func reportMeta(obj runtime.Object) *metav1.ObjectMeta {
	switch r := obj.(type) {
	case *orv1alpha1.Report:
		return &r.ObjectMeta
	case *orv1alpha1.ClusterReport:
		return &r.ObjectMeta
	}
	panic("not a Report")
}

func mergeAnnotation(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// contentHash digests a Report without its timestamps: a result found again in a later
// run is the same result.
func contentHash(obj runtime.Object) string {
	c := obj.DeepCopyObject()
	var results []orv1alpha1.ReportResult
	switch r := c.(type) {
	case *orv1alpha1.Report:
		results = r.Results
	case *orv1alpha1.ClusterReport:
		results = r.Results
	}
	for i := range results {
		results[i].Timestamp = metav1.Timestamp{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // plain structs and maps of strings
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// ObjectEntries judges nothing: it turns an evaluation done elsewhere (`apiguard audit`
// judges in a batch) into the entries a run would record for o, sorted, so the CLI and
// the webhook build Reports from the same entries.
func ObjectEntries(o *Object, d policy.Decision, patches []policy.PatchOp, err error) []Entry {
	if err != nil {
		return []Entry{{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Message: err.Error(), Action: ActionError, Revision: d.Revision, UID: o.UID}}
	}
	entries := entriesOf(o, d, patches)
	slices.SortFunc(entries, compareEntries)
	return entries
}

// BuildReports returns the Reports of judged objects (entries[i] are objects[i]'s, all of
// them) as the auditing replica keeps them: the same builder, and the total cap keeping
// the objects with a fail result first. They come in the objects' order.
func BuildReports(b *ReportBuilder, objects []*Object, entries [][]Entry) []OpenReport {
	var out []OpenReport
	for i, o := range objects {
		if r, ok := b.Build(o, entries[i]); ok {
			out = append(out, r)
		}
	}
	if len(out) <= b.opts.MaxReports {
		return out
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(out[x].rank, out[y].rank) })
	keep := make([]bool, len(out))
	for _, i := range order[:b.opts.MaxReports] {
		keep[i] = true
	}
	kept := out[:0]
	for i, r := range out {
		if keep[i] {
			kept = append(kept, r)
		}
	}
	return kept
}

// WriteReportsYAML writes Reports as a YAML stream, one document each, as
// `apiguard audit -o openreports` prints them.
func WriteReportsYAML(w io.Writer, reports []OpenReport) error {
	for _, r := range reports {
		b, err := yaml.Marshal(r.Object)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}
