package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/pkg/policy"
)

func sample() []Result {
	return []Result{
		{File: "a.yaml", Index: 0, Item: -1, Line: 1, APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Namespace: "team", Name: "ok",
			Decision: policy.Decision{Revision: "r1"}},
		{File: "a.yaml", Index: 1, Item: -1, Line: 12, APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Namespace: "team", Name: "bad",
			Decision: policy.Decision{Revision: "r1",
				Violations: []policy.Violation{{Policy: "ingress.require_tls", Message: "no TLS", Action: policy.ActionDeny}, {Policy: "p.dry", Message: "quiet", Action: policy.ActionDryRun}},
				Warnings:   []policy.Warning{{Policy: "ingress.owner", Message: "no owner"}}},
			Patches: []policy.PatchOp{{Policy: "ingress.ssl", Op: "add", Path: "/metadata/annotations", Value: map[string]any{"k": "v"}}}},
		{File: "b.yaml", Index: 0, Item: 2, APIVersion: "v1", Kind: "Service", Namespace: "team", Name: "svc", Err: errors.New("boom")},
	}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "text", sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"a.yaml\n",
		"  PASS   Ingress team/ok\n",
		"  DENY   Ingress team/bad: [ingress.require_tls] no TLS\n",
		"  DRYRUN Ingress team/bad: [p.dry] quiet\n",
		"  WARN   Ingress team/bad: [ingress.owner] no owner\n",
		`  PATCH  Ingress team/bad: [ingress.ssl] add /metadata/annotations {"k":"v"}` + "\n",
		"\nb.yaml\n",
		"  ERROR  Service team/svc (document 0, item 2): boom\n",
		"3 objects, 1 denied, 1 warning, 1 patched, 1 error\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "3 objects, 1 denied, 1 warning, 1 patched, 1 error\n") {
		t.Errorf("summary is not the last line:\n%s", out)
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "json", sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d results", len(got))
	}
	if got[0]["allowed"] != true || len(got[0]["violations"].([]any)) != 0 || got[0]["item"] != nil {
		t.Errorf("allowed result: %v", got[0])
	}
	if got[1]["allowed"] != false || len(got[1]["violations"].([]any)) != 2 || len(got[1]["patches"].([]any)) != 1 {
		t.Errorf("denied result: %v", got[1])
	}
	if got[2]["error"] != "boom" || got[2]["allowed"] != false || got[2]["item"] != float64(2) {
		t.Errorf("error result: %v", got[2])
	}
}

func TestExitCodes(t *testing.T) {
	cases := map[string]struct {
		results    []Result
		failOnWarn bool
		want       int
	}{
		"nothing":               {nil, false, ExitAllowed},
		"errors win":            {sample(), false, ExitError},
		"denied":                {sample()[:2], false, ExitDenied},
		"allowed":               {sample()[:1], false, ExitAllowed},
		"warnings pass":         {[]Result{{Item: -1, Decision: policy.Decision{Warnings: []policy.Warning{{Policy: "p", Message: "m"}}}}}, false, ExitAllowed},
		"warnings fail on flag": {[]Result{{Item: -1, Decision: policy.Decision{Warnings: []policy.Warning{{Policy: "p", Message: "m"}}}}}, true, ExitDenied},
		"dryrun never fails":    {[]Result{{Item: -1, Decision: policy.Decision{Violations: []policy.Violation{{Policy: "p", Action: policy.ActionDryRun}}}}}, true, ExitAllowed},
	}
	for name, tc := range cases {
		if got := Summarize(tc.results).ExitCode(tc.failOnWarn); got != tc.want {
			t.Errorf("%s: exit %d, want %d", name, got, tc.want)
		}
	}
	if err := Write(&bytes.Buffer{}, "xml", nil, Options{}); err == nil {
		t.Error("unknown format accepted")
	}
}

var update = flag.Bool("update", false, "rewrite testdata/golden.*")

// goldenSample is sample() plus the cases only golden files pin down: a message with a
// newline and characters CI formats escape, and findings that name a field, one of
// which FieldLine can place.
func goldenSample() []Result {
	fieldLines := map[string]int{"/spec/tls": 27}
	return append(sample(),
		Result{File: "c: odd,name.yaml", Index: 0, Item: -1, Line: 3, Kind: "Ingress", Namespace: "x", Name: "multi",
			Decision: policy.Decision{Revision: "r1", Violations: []policy.Violation{{Policy: "p.multi", Message: "first line\nsecond 100%", Action: policy.ActionDeny}}}},
		Result{File: "d.yaml", Index: 1, Item: -1, Line: 20, APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Namespace: "web", Name: "field",
			FieldLine: func(field string) int { return fieldLines[field] },
			Decision: policy.Decision{Revision: "r1",
				Violations: []policy.Violation{{Policy: "ingress.require_tls", Message: "no TLS on web/field", Action: policy.ActionDeny, Details: map[string]any{"field": "/spec/tls"}}},
				Warnings:   []policy.Warning{{Policy: "ingress.owner", Message: "no owner on web/field", Details: map[string]any{"field": "metadata.labels.owner"}}}}},
		inputErrors()[0], inputErrors()[1],
		// Messages start with the object's display name, as lib.kubernetes.display
		// writes it; the formats that print the object beside a message drop it.
		Result{File: "e.yaml", Index: 2, Item: -1, Line: 9, APIVersion: "v1", Kind: "Service", Namespace: "web", Name: "lb",
			Decision: policy.Decision{Revision: "r1",
				Violations: []policy.Violation{{Policy: "service.no_public_loadbalancer", Message: "Service web/lb: type LoadBalancer is internet-facing", Action: policy.ActionDeny}},
				Warnings:   []policy.Warning{{Policy: "service.note", Message: "Service web/lb: a warning that names it"}}}},
	)
}

// inputErrors are what apiguard check makes of a file it could not read and of a
// document it could not decode: results without an object, located in the file.
func inputErrors() []Result {
	return []Result{
		{File: "missing.yaml", Index: -1, Item: -1, Err: errors.New("no such file or directory")},
		{File: "e.yaml", Index: 1, Item: -1, Line: 5, Err: errors.New("yaml: line 7: mapping values are not allowed in this context")},
	}
}

// TestTextNamesTheObjectOnce: a line shows the object once, even though policy
// messages start with its name, and input errors are named by their place.
func TestTextNamesTheObjectOnce(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "text", goldenSample()[5:], Options{}); err != nil {
		t.Fatal(err)
	}
	want := "missing.yaml\n" +
		"  ERROR  no such file or directory\n" +
		"\ne.yaml\n" +
		"  ERROR  document 1 (line 5): yaml: line 7: mapping values are not allowed in this context\n" +
		"  DENY   Service web/lb: [service.no_public_loadbalancer] type LoadBalancer is internet-facing\n" +
		"  WARN   Service web/lb: [service.note] a warning that names it\n" +
		"\n1 object, 1 denied, 1 warning, 0 patched, 2 errors\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestSummaryPlurals(t *testing.T) {
	cases := map[string]struct {
		s    Summary
		want string
	}{
		"none":     {Summary{}, "0 objects, 0 denied, 0 warnings, 0 patched"},
		"one each": {Summary{Objects: 1, Denied: 1, Warnings: 1, Patched: 1, Errors: 1}, "1 object, 1 denied, 1 warning, 1 patched, 1 error"},
		"several":  {Summary{Objects: 2, Warnings: 3, Errors: 2}, "2 objects, 0 denied, 3 warnings, 0 patched, 2 errors"},
	}
	for name, tc := range cases {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
}

// goldenOptions gives the formats that use them rule metadata and a version: one policy
// fully described, one with no title, one that never fires, one switched off.
func goldenOptions() Options {
	return Options{ToolVersion: "v1.4.0", Policies: []policy.Policy{
		{ID: "ingress.require_tls", Title: "Ingresses terminate TLS", Description: "Every Ingress host is served over HTTPS.",
			Severity: "High", Remediation: "Add spec.tls for each host.", Rules: []string{policy.RuleDeny}, Enforcement: policy.ActionDeny},
		{ID: "ingress.owner", Severity: "low", Rules: []string{policy.RuleWarn}, Enforcement: policy.ActionDeny},
		{ID: "gateway.https", Title: "Gateways listen on HTTPS", Severity: "critical", Rules: []string{policy.RuleViolation}, Enforcement: policy.ActionDeny},
		{ID: "legacy.off", Title: "Switched off", Rules: []string{policy.RuleDeny}, Enforcement: policy.ActionOff},
	}}
}

// TestGolden renders the golden sample in every format, and text in colour, and compares
// each to testdata/golden.<name>; regenerate with `go test ./pkg/report -update` and
// review the diff.
func TestGolden(t *testing.T) {
	type golden struct {
		name, format string
		opts         Options
	}
	var cases []golden
	for _, format := range Formats() {
		cases = append(cases, golden{format, format, goldenOptions()})
	}
	colored := goldenOptions()
	colored.Color = true
	cases = append(cases, golden{"text-color", "text", colored})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tc.format, goldenSample(), tc.opts); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", "golden."+tc.name)
			if *update {
				if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if b.String() != string(want) {
				t.Errorf("%s output differs from %s:\n%s", tc.name, file, b.String())
			}
		})
	}
}

func TestJUnitIsWellFormed(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "junit", sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	// a.yaml: "ok" passes; "bad" has one failure (deny), one warning case; b.yaml: one error.
	if doc.Tests != 4 || doc.Fails != 1 || doc.Errors != 1 || len(doc.Suites) != 2 {
		t.Errorf("testsuites: tests=%d failures=%d errors=%d suites=%d\n%s", doc.Tests, doc.Fails, doc.Errors, len(doc.Suites), b.String())
	}
}

func TestGitHubEscaping(t *testing.T) {
	if got := ghProperty("a:b,c%"); got != "a%3Ab%2Cc%25" {
		t.Errorf("property escape = %q", got)
	}
	if got := ghData("x\ny%"); got != "x%0Ay%25" {
		t.Errorf("data escape = %q", got)
	}
}
