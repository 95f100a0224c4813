package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// A PolicyException allows the findings of some policies on some objects until it
// expires. Exceptions live in the policy tree under exceptions/ (any *.yaml or *.yml,
// several documents a file), are reviewed with the policies, and are applied by the
// engine, so the webhook, the audit, `apiguard check` and `apiguard test` honour the same
// ones at the same moment: each evaluation reads the time from the set's one clock
// (LoadOptions.Now).
const (
	ExceptionAPIVersion = "apiguard.io/v1alpha1"
	ExceptionKind       = "PolicyException"
	// exceptionsDir is where a policy tree keeps its exceptions.
	exceptionsDir = "exceptions"
)

// Exception is one PolicyException, validated.
type Exception struct {
	Name string
	// File and Line locate the document, for messages.
	File string
	Line int
	// Policies are policy IDs or globs ("ingress.*").
	Policies []string
	// Kinds ("Ingress" in any group, or "group/Kind", "core/Service"), Namespaces and
	// Names (globs) narrow what it applies to; empty matches any.
	Kinds, Namespaces, Names []string
	// Selector matches the object's labels; nil matches any.
	Selector labels.Selector
	// selectorText is the selector as written, for listings.
	selectorText string
	Reason       string
	Ticket       string
	ApprovedBy   string
	Expires      time.Time
}

// Active reports whether the exception applies at now: until, not at, its expiry.
func (e Exception) Active(now time.Time) bool { return now.Before(e.Expires) }

// exceptionConfig is data.apiguard.config.exceptions.
type exceptionConfig struct {
	// requireTicket makes spec.ticket mandatory.
	requireTicket bool
	// maxLifetime bounds how far in the future an exception may expire, from the moment
	// its revision is loaded.
	maxLifetime time.Duration
	// warnWithin is how soon before expiry an exception is listed as expiring.
	warnWithin time.Duration
}

const day = 24 * time.Hour

func defaultExceptionConfig() exceptionConfig {
	return exceptionConfig{maxLifetime: 90 * day, warnWithin: 14 * day}
}

// readExceptionConfig reads data.apiguard.config.exceptions: requireTicket (bool),
// maxLifetimeDays and expiryWarningDays (positive integers).
func readExceptionConfig(raw map[string]any) (exceptionConfig, error) {
	cfg := defaultExceptionConfig()
	v, ok := raw["exceptions"]
	if !ok || v == nil {
		return cfg, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return cfg, fmt.Errorf("data.apiguard.config.exceptions must be an object, got %T", v)
	}
	if rt, ok := m["requireTicket"]; ok {
		b, ok := rt.(bool)
		if !ok {
			return cfg, fmt.Errorf("data.apiguard.config.exceptions.requireTicket must be true or false, got %v", rt)
		}
		cfg.requireTicket = b
	}
	for key, dst := range map[string]*time.Duration{"maxLifetimeDays": &cfg.maxLifetime, "expiryWarningDays": &cfg.warnWithin} {
		raw, ok := m[key]
		if !ok {
			continue
		}
		n, err := positiveInt(raw)
		if err != nil {
			return cfg, fmt.Errorf("data.apiguard.config.exceptions.%s: %w", key, err)
		}
		*dst = time.Duration(n) * day
	}
	return cfg, nil
}

func positiveInt(v any) (int64, error) {
	var n int64
	switch t := v.(type) {
	case interface{ Int64() (int64, error) }:
		i, err := t.Int64()
		if err != nil {
			return 0, fmt.Errorf("want a whole number of days, got %v", v)
		}
		n = i
	case float64:
		n = int64(t)
		if float64(n) != t {
			return 0, fmt.Errorf("want a whole number of days, got %v", v)
		}
	case int:
		n = int64(t)
	default:
		return 0, fmt.Errorf("want a whole number of days, got %v", v)
	}
	if n <= 0 {
		return 0, fmt.Errorf("want a positive number of days, got %d", n)
	}
	return n, nil
}

// isExceptionFile reports whether p is an exception document of the tree: a YAML file
// under exceptions/ at the root, or under the cluster's own overlay.
func isExceptionFile(p, ownCluster string) bool {
	if !strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml") {
		return false
	}
	return strings.HasPrefix(p, exceptionsDir+"/") || (ownCluster != "" && strings.HasPrefix(p, ownCluster+"/"+exceptionsDir+"/"))
}

// exceptionDoc is a PolicyException as written. Unknown fields are errors: a typo such as
// "expiry" must not leave an exception without its end.
type exceptionDoc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Policies []string `yaml:"policies"`
		Match    struct {
			Kinds         []string          `yaml:"kinds"`
			Namespaces    []string          `yaml:"namespaces"`
			Names         []string          `yaml:"names"`
			LabelSelector *labelSelectorDoc `yaml:"labelSelector"`
		} `yaml:"match"`
		Reason     string `yaml:"reason"`
		Ticket     string `yaml:"ticket"`
		Expires    string `yaml:"expires"`
		ApprovedBy string `yaml:"approvedBy"`
	} `yaml:"spec"`
}

type labelSelectorDoc struct {
	MatchLabels      map[string]string `yaml:"matchLabels"`
	MatchExpressions []struct {
		Key      string   `yaml:"key"`
		Operator string   `yaml:"operator"`
		Values   []string `yaml:"values"`
	} `yaml:"matchExpressions"`
}

// parseExceptions reads every exception document of one file. Each problem is reported
// as "file:line: ..." so the revision gate can name it.
func parseExceptions(file string, b []byte, cfg exceptionConfig, now time.Time) ([]Exception, []string) {
	var out []Exception
	var problems []string
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, err))
			break
		}
		if len(node.Content) == 0 || (node.Content[0].Kind == yaml.ScalarNode && node.Content[0].Tag == "!!null") {
			continue
		}
		line := node.Content[0].Line
		e, errs := parseException(&node, cfg, now)
		for _, msg := range errs {
			problems = append(problems, fmt.Sprintf("%s:%d: %s", file, line, msg))
		}
		if len(errs) == 0 {
			e.File, e.Line = file, line
			out = append(out, e)
		}
	}
	return out, problems
}

func parseException(node *yaml.Node, cfg exceptionConfig, now time.Time) (Exception, []string) {
	var doc exceptionDoc
	// KnownFields makes an unknown key an error; Decode on a node has no such switch, so
	// re-encode and decode strictly.
	raw, err := yaml.Marshal(node)
	if err != nil {
		return Exception{}, []string{err.Error()}
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return Exception{}, []string{"not a PolicyException: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var errs []string
	if doc.APIVersion != ExceptionAPIVersion || doc.Kind != ExceptionKind {
		return Exception{}, []string{fmt.Sprintf("apiVersion %q kind %q: want apiVersion %s, kind %s", doc.APIVersion, doc.Kind, ExceptionAPIVersion, ExceptionKind)}
	}
	e := Exception{
		Name: doc.Metadata.Name, Policies: doc.Spec.Policies,
		Kinds: doc.Spec.Match.Kinds, Namespaces: doc.Spec.Match.Namespaces, Names: doc.Spec.Match.Names,
		Reason: strings.TrimSpace(doc.Spec.Reason), Ticket: strings.TrimSpace(doc.Spec.Ticket), ApprovedBy: doc.Spec.ApprovedBy,
	}
	if e.Name == "" {
		errs = append(errs, "metadata.name is required")
	}
	if len(e.Policies) == 0 {
		errs = append(errs, "spec.policies must name at least one policy ID or glob")
	}
	for field, globs := range map[string][]string{"spec.policies": e.Policies, "spec.match.namespaces": e.Namespaces, "spec.match.names": e.Names} {
		for _, g := range globs {
			if _, err := path.Match(g, ""); err != nil || g == "" {
				errs = append(errs, fmt.Sprintf("%s: bad glob %q", field, g))
			}
		}
	}
	if e.Reason == "" {
		errs = append(errs, "spec.reason is required: say why the finding is accepted")
	}
	if cfg.requireTicket && e.Ticket == "" {
		errs = append(errs, "spec.ticket is required (apiguard.config.exceptions.requireTicket)")
	}
	if doc.Spec.Expires == "" {
		errs = append(errs, "spec.expires is required (an RFC 3339 time, e.g. 2027-01-31T00:00:00Z)")
	} else if t, err := time.Parse(time.RFC3339, doc.Spec.Expires); err != nil {
		errs = append(errs, fmt.Sprintf("spec.expires %q is not an RFC 3339 time (e.g. 2027-01-31T00:00:00Z)", doc.Spec.Expires))
	} else {
		e.Expires = t
		if limit := now.Add(cfg.maxLifetime); t.After(limit) {
			errs = append(errs, fmt.Sprintf("spec.expires %s is more than %d days away (apiguard.config.exceptions.maxLifetimeDays); renew it later instead", doc.Spec.Expires, cfg.maxLifetime/day))
		}
	}
	if ls := doc.Spec.Match.LabelSelector; ls != nil {
		sel := &metav1.LabelSelector{MatchLabels: ls.MatchLabels}
		for _, r := range ls.MatchExpressions {
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: r.Key, Operator: metav1.LabelSelectorOperator(r.Operator), Values: r.Values})
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			errs = append(errs, fmt.Sprintf("spec.match.labelSelector: %v", err))
		} else {
			e.Selector, e.selectorText = s, s.String()
		}
	}
	return e, errs
}

// checkExceptions finishes validation across files: names are unique, and each policy
// pattern names a policy of the set (a warning otherwise: the exception does nothing).
func checkExceptions(exceptions []Exception, policies []Policy) (problems, warnings []string) {
	seen := map[string]Exception{}
	for _, e := range exceptions {
		if first, ok := seen[e.Name]; ok {
			problems = append(problems, fmt.Sprintf("%s:%d: PolicyException %q is also defined at %s:%d", e.File, e.Line, e.Name, first.File, first.Line))
			continue
		}
		seen[e.Name] = e
		for _, pattern := range e.Policies {
			if !slices.ContainsFunc(policies, func(p Policy) bool { ok, _ := path.Match(pattern, p.ID); return ok }) {
				warnings = append(warnings, fmt.Sprintf("PolicyException %s (%s:%d): %q matches no policy of this revision", e.Name, e.File, e.Line, pattern))
			}
		}
	}
	return problems, warnings
}

// readExceptionFiles parses the exception files the tree walk found.
func readExceptionFiles(fsys fs.FS, files []string, cfg exceptionConfig, now time.Time) ([]Exception, error) {
	var out []Exception
	var problems []string
	for _, p := range files {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		es, errs := parseExceptions(p, b, cfg, now)
		out = append(out, es...)
		problems = append(problems, errs...)
	}
	if len(problems) > 0 {
		return nil, &CompileError{Problems: problems}
	}
	slices.SortFunc(out, func(a, b Exception) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// AppliedException names the PolicyException that allowed a finding.
type AppliedException struct {
	Name, Ticket, Reason string
	Expires              time.Time
}

// note is what a finding's message gains when an exception allows it, so the webhook's
// warning, the CLI's line and the audit's entry all name the exception, its ticket and
// its expiry.
func (a *AppliedException) note() string {
	ticket := ""
	if a.Ticket != "" {
		ticket = ", ticket " + a.Ticket
	}
	return fmt.Sprintf(" (allowed by PolicyException %s%s, until %s)", a.Name, ticket, a.Expires.UTC().Format(time.RFC3339))
}

// exceptionTarget is what an exception matches a finding against.
type exceptionTarget struct {
	group, kind, namespace, name string
	labels                       func() labels.Set
}

// matches reports whether e covers policy's findings on t.
func (e Exception) matches(policy string, t exceptionTarget) bool {
	if !globsMatch(e.Policies, policy) {
		return false
	}
	if len(e.Kinds) > 0 && !slices.ContainsFunc(e.Kinds, func(k string) bool {
		g, kind, qualified := splitKind(k)
		return kind == t.kind && (!qualified || g == t.group)
	}) {
		return false
	}
	if len(e.Namespaces) > 0 && !globsMatch(e.Namespaces, t.namespace) {
		return false
	}
	if len(e.Names) > 0 && !globsMatch(e.Names, t.name) {
		return false
	}
	return e.Selector == nil || e.Selector.Matches(t.labels())
}

func globsMatch(globs []string, s string) bool {
	return slices.ContainsFunc(globs, func(g string) bool { ok, _ := path.Match(g, s); return ok })
}

// applyExceptions lets the active exceptions allow the findings they cover: a violation
// becomes a warning (Action warn) and a warning stays one, each naming the exception.
// Dry-run findings are left as they are: nobody sees them anyway.
func (s *PolicySet) applyExceptions(d *Decision, t exceptionTarget, now time.Time) {
	find := func(policy string) *AppliedException {
		for _, e := range s.exceptions {
			if e.Active(now) && e.matches(policy, t) {
				return &AppliedException{Name: e.Name, Ticket: e.Ticket, Reason: e.Reason, Expires: e.Expires}
			}
		}
		return nil
	}
	for i := range d.Violations {
		v := &d.Violations[i]
		if v.Action == ActionDryRun {
			continue
		}
		if a := find(v.Policy); a != nil {
			v.Action, v.Exception, v.Message = ActionWarn, a, v.Message+a.note()
		}
	}
	for i := range d.Warnings {
		w := &d.Warnings[i]
		if w.DryRun {
			continue
		}
		if a := find(w.Policy); a != nil {
			w.Exception, w.Message = a, w.Message+a.note()
		}
	}
}

// Exceptions lists the set's exceptions, sorted by name.
func (s *PolicySet) Exceptions() []Exception { return slices.Clone(s.exceptions) }

// ExpiringExceptions lists the exceptions that are active at now and expire within the
// configured warning window (apiguard.config.exceptions.expiryWarningDays, 14 by default).
func (s *PolicySet) ExpiringExceptions(now time.Time) []Exception {
	var out []Exception
	for _, e := range s.exceptions {
		if e.Active(now) && e.Expires.Sub(now) <= s.exceptionWarnWithin {
			out = append(out, e)
		}
	}
	return out
}

// Now is the set's clock: the time every evaluation applies exceptions at.
func (s *PolicySet) Now() time.Time { return s.now() }

// targetOf is what exceptions match a request by: its kind, namespace and name, and the
// labels of the object under review (the old object on DELETE), decoded only when an
// exception with a label selector asks.
func targetOf(req *admissionv1.AdmissionRequest) exceptionTarget {
	raw := req.Object.Raw
	if req.Operation == admissionv1.Delete || len(raw) == 0 {
		raw = req.OldObject.Raw
	}
	var meta struct {
		Metadata struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	decoded := false
	decode := func() {
		if !decoded {
			decoded = true
			_ = json.Unmarshal(raw, &meta)
		}
	}
	name := req.Name
	if name == "" {
		decode()
		name = meta.Metadata.Name
	}
	return exceptionTarget{
		group: req.Kind.Group, kind: req.Kind.Kind, namespace: req.Namespace, name: name,
		labels: func() labels.Set { decode(); return meta.Metadata.Labels },
	}
}

// ExceptionWarnWithin is how soon before expiry an exception counts as expiring
// (apiguard.config.exceptions.expiryWarningDays).
func (s *PolicySet) ExceptionWarnWithin() time.Duration { return s.exceptionWarnWithin }
