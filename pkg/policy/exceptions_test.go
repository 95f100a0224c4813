package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// The clock every exception test runs at.
var exceptionsNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func exceptionDocument(name, extra string) string {
	return `apiVersion: apiguard.io/v1alpha1
kind: PolicyException
metadata:
  name: ` + name + `
spec:
  policies: ["ingress.require_*"]
  match:
    kinds: [networking.k8s.io/Ingress]
    namespaces: ["team"]
  reason: the legacy partner endpoint terminates TLS at the load balancer
  ticket: SEC-123
  expires: "2026-12-15T00:00:00Z"
` + extra
}

func loadAt(t *testing.T, now time.Time, files map[string]string) (*PolicySet, error) {
	t.Helper()
	return loadErr(files, LoadOptions{Revision: "0123456789abcdef", Now: func() time.Time { return now }})
}

func TestExceptionAllowsWhatItCovers(t *testing.T) {
	ctx := context.Background()
	clock := exceptionsNow
	set, err := loadErr(map[string]string{
		"ingress/require_tls.rego":   requireTLS,
		"exceptions/legacy.yaml":     exceptionDocument("legacy-partner", ""),
		"exceptions/notes/README.md": "not an exception",
	}, LoadOptions{Revision: "0123456789abcdef", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		namespace   string
		wantAllowed bool
	}{
		"covered namespace":       {"team", true},
		"namespace not in match":  {"other", false},
		"empty namespace (CLI -)": {"", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, tc.namespace, ingress("web", false))})
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed() != tc.wantAllowed {
				t.Fatalf("allowed = %v, want %v: %+v", d.Allowed(), tc.wantAllowed, d.Violations)
			}
			if !tc.wantAllowed {
				return
			}
			v := d.Violations[0]
			if v.Action != ActionWarn || v.Exception == nil || v.Exception.Name != "legacy-partner" ||
				!strings.HasSuffix(v.Message, "(allowed by PolicyException legacy-partner, ticket SEC-123, until 2026-12-15T00:00:00Z)") {
				t.Errorf("violation %+v", v)
			}
			if w := d.UserWarnings(); len(w) != 1 || !strings.Contains(w[0], "legacy-partner") {
				t.Errorf("user warnings %q", w)
			}
		})
	}
	// The same set, once its clock passes the expiry, denies again: at the same moment for
	// every caller, because they all evaluate through the set.
	clock = time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	d, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "team", ingress("web", false))})
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed() {
		t.Errorf("an exception at its expiry still applies: %+v", d.Violations)
	}
}

func TestExceptionMatching(t *testing.T) {
	ctx := context.Background()
	withLabels := ingress("web", false)
	withLabels["metadata"].(map[string]any)["labels"] = map[string]any{"tier": "legacy"}
	cases := map[string]struct {
		match string
		obj   map[string]any
		want  bool
	}{
		"label selector matches":    {"    labelSelector: {matchLabels: {tier: legacy}}\n", withLabels, true},
		"label selector misses":     {"    labelSelector: {matchLabels: {tier: legacy}}\n", ingress("web", false), false},
		"expression selector":       {"    labelSelector: {matchExpressions: [{key: tier, operator: In, values: [legacy, old]}]}\n", withLabels, true},
		"name glob matches":         {"    names: [\"w*\"]\n", ingress("web", false), true},
		"name glob misses":          {"    names: [\"api-*\"]\n", ingress("web", false), false},
		"plain kind in any group":   {"    kinds: [Ingress]\n", ingress("web", false), true},
		"kind of another group":     {"    kinds: [example.io/Ingress]\n", ingress("web", false), false},
		"no match block: all kinds": {"", ingress("web", false), true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			doc := "apiVersion: apiguard.io/v1alpha1\nkind: PolicyException\nmetadata: {name: x}\nspec:\n  policies: [ingress.require_tls]\n"
			if tc.match != "" {
				doc += "  match:\n" + tc.match
			}
			doc += "  reason: accepted\n  expires: \"2026-12-15T00:00:00Z\"\n"
			set, err := loadAt(t, exceptionsNow, map[string]string{"ingress/require_tls.rego": requireTLS, "exceptions/x.yml": doc})
			if err != nil {
				t.Fatal(err)
			}
			d, err := set.Evaluate(ctx, Input{Request: ingressRequest(admissionv1.Create, "team", tc.obj)})
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed() != tc.want {
				t.Errorf("allowed = %v, want %v", d.Allowed(), tc.want)
			}
		})
	}
}

// A malformed exception fails the load like a broken policy, naming file and line, so
// the webhook keeps its last good revision and the CLI exits 2.
func TestMalformedExceptionRefusesTheRevision(t *testing.T) {
	second := "---\n"
	cases := map[string]struct {
		doc, want string
		data      string
	}{
		"no reason":            {doc: strings.Replace(exceptionDocument("a", ""), "  reason: the legacy partner endpoint terminates TLS at the load balancer\n", "", 1), want: "exceptions/a.yaml:1: spec.reason is required"},
		"no expires":           {doc: strings.Replace(exceptionDocument("a", ""), "  expires: \"2026-12-15T00:00:00Z\"\n", "", 1), want: "spec.expires is required"},
		"not RFC 3339":         {doc: strings.Replace(exceptionDocument("a", ""), "2026-12-15T00:00:00Z", "next friday", 1), want: `spec.expires "next friday" is not an RFC 3339 time`},
		"too far away":         {doc: strings.Replace(exceptionDocument("a", ""), "2026-12-15T00:00:00Z", "2027-06-01T00:00:00Z", 1), want: "more than 90 days away"},
		"lifetime from config": {doc: exceptionDocument("a", ""), data: "apiguard:\n  config:\n    exceptions: {maxLifetimeDays: 7}\n", want: "more than 7 days away"},
		"ticket required":      {doc: strings.Replace(exceptionDocument("a", ""), "  ticket: SEC-123\n", "", 1), data: "apiguard:\n  config:\n    exceptions: {requireTicket: true}\n", want: "spec.ticket is required"},
		"typo in a field":      {doc: strings.Replace(exceptionDocument("a", ""), "expires:", "expiry:", 1), want: "field expiry not found"},
		"wrong kind":           {doc: strings.Replace(exceptionDocument("a", ""), "kind: PolicyException", "kind: Exception", 1), want: `want apiVersion apiguard.io/v1alpha1, kind PolicyException`},
		"no policies":          {doc: strings.Replace(exceptionDocument("a", ""), `  policies: ["ingress.require_*"]`+"\n", "", 1), want: "spec.policies must name"},
		"bad selector":         {doc: strings.Replace(exceptionDocument("a", ""), `    namespaces: ["team"]`, `    namespaces: ["team"]`+"\n    labelSelector: {matchExpressions: [{key: tier, operator: Like}]}", 1), want: "spec.match.labelSelector"},
		"valid":                {doc: exceptionDocument("a", ""), want: ""},
		"second document line": {doc: exceptionDocument("a", "") + second + strings.Replace(exceptionDocument("b", ""), "  reason: the legacy partner endpoint terminates TLS at the load balancer\n", "", 1), want: "exceptions/a.yaml:14: spec.reason is required"},
		"duplicate name":       {doc: exceptionDocument("a", "") + second + exceptionDocument("a", ""), want: `exceptions/a.yaml:14: PolicyException "a" is also defined at exceptions/a.yaml:1`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			files := map[string]string{"ingress/require_tls.rego": requireTLS, "exceptions/a.yaml": tc.doc}
			if tc.data != "" {
				files["data.yaml"] = tc.data
			}
			_, err := loadAt(t, exceptionsNow, files)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("a valid exception was refused: %v", err)
				}
				return
			}
			var ce *CompileError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a CompileError containing %q", err, tc.want)
			}
		})
	}
}

func TestExpiringAndExpiredExceptionsAreListed(t *testing.T) {
	files := map[string]string{
		"ingress/require_tls.rego": requireTLS,
		"exceptions/a.yaml":        exceptionDocument("soon", ""),
		"exceptions/b.yaml":        strings.Replace(exceptionDocument("later", ""), "2026-12-15", "2027-02-01", 1),
		"exceptions/c.yaml":        strings.Replace(exceptionDocument("gone", ""), "2026-12-15", "2026-11-01", 1),
		"exceptions/d.yaml":        strings.Replace(exceptionDocument("nothing", ""), `["ingress.require_*"]`, `["tyk.*"]`, 1),
	}
	set, err := loadAt(t, exceptionsNow, files)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range set.ExpiringExceptions(exceptionsNow) {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "nothing,soon" {
		t.Errorf("expiring within 14 days: %v, want nothing, soon", names)
	}
	warnings := strings.Join(set.Warnings(), "\n")
	for _, want := range []string{"PolicyException gone (exceptions/c.yaml:1) expired at 2026-11-01T00:00:00Z", `PolicyException nothing (exceptions/d.yaml:1): "tyk.*" matches no policy`} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings)
		}
	}
	if len(set.Exceptions()) != 4 {
		t.Errorf("exceptions: %d, want 4", len(set.Exceptions()))
	}
}
