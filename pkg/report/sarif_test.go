package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/apiguard/apiguard/pkg/policy"
)

// The official SARIF 2.1.0 schema (OASIS, errata 01), kept as test data so the test
// needs no network; testdata/README.md says where it comes from. The hash pins the text,
// so the test validates against exactly the schema it was written against.
const (
	sarifSchemaFile   = "testdata/sarif-schema-2.1.0.json"
	sarifSchemaSHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
)

// sarifSample is the golden sample plus locations the golden files leave out: stdin, an
// absolute path, a result with no line and a nameless object that failed to parse.
func sarifSample() []Result {
	return append(goldenSample(),
		Result{File: "-", Index: 0, Item: -1, Line: 4, Kind: "Ingress", Name: "piped",
			Decision: policy.Decision{Violations: []policy.Violation{{Policy: "ingress.require_tls", Message: "no TLS on stdin", Action: policy.ActionDeny}}}},
		Result{File: "/abs/dir/e f.yaml", Index: 0, Item: -1, Kind: "Ingress", Namespace: "x", Name: "abs",
			Decision: policy.Decision{Warnings: []policy.Warning{{Policy: "ingress.owner", Message: "no owner, absolute"}}}},
		Result{File: "g.yaml", Index: 3, Item: -1, Line: 40, Err: errors.New("yaml: line 2: mapping values are not allowed")},
	)
}

func renderSARIF(t *testing.T, results []Result, opts Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, "sarif", results, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSARIFMatchesSchema validates the output against the official JSON schema.
func TestSARIFMatchesSchema(t *testing.T) {
	schema := sarifJSONSchema(t)
	for name, doc := range map[string][]byte{
		"sample":     renderSARIF(t, sarifSample(), goldenOptions()),
		"no results": renderSARIF(t, nil, Options{}),
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s: not valid SARIF 2.1.0: %v\n%s", name, err, doc)
		}
	}

	// The validator must be able to say no, or the check above proves nothing.
	var broken map[string]any
	if err := json.Unmarshal(renderSARIF(t, sarifSample(), Options{}), &broken); err != nil {
		t.Fatal(err)
	}
	result := broken["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
	result["level"] = "fatal"
	if err := schema.Validate(broken); err == nil {
		t.Error("schema accepted a result with level \"fatal\"")
	}
}

// sarifJSONSchema compiles the schema kept in testdata, after checking it is the pinned
// text and the one our $schema names.
func sarifJSONSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != sarifSchemaSHA256 {
		t.Fatalf("%s: sha256 %x, want %s (see testdata/README.md)", sarifSchemaFile, sum, sarifSchemaSHA256)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := doc.(map[string]any)["id"].(string)
	if id != sarifSchema {
		t.Fatalf("schema id %q, but the output names %q", id, sarifSchema)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri and uri-reference matter: artifact URIs are built by hand
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The parts of a SARIF log GitHub code scanning reads; decoding into these and checking
// them keeps the upload requirements tested even with -short.
type ghLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name            string `json:"name"`
				SemanticVersion string `json:"semanticVersion"`
				Rules           []struct {
					ID                   string `json:"id"`
					DefaultConfiguration struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful        *bool `json:"executionSuccessful"`
			ToolExecutionNotifications []struct {
				Message struct{ Text string } `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []ghResult `json:"results"`
	} `json:"runs"`
}

type ghResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Level     string `json:"level"`
	Message   struct {
		Text string `json:"text"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI       string `json:"uri"`
				URIBaseID string `json:"uriBaseId"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
		LogicalLocations []struct {
			FullyQualifiedName string `json:"fullyQualifiedName"`
		} `json:"logicalLocations"`
	} `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

func decodeSARIF(t *testing.T, doc []byte) ghLog {
	t.Helper()
	var log ghLog
	if err := json.Unmarshal(doc, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	return log
}

// TestSARIFCodeScanningRequirements checks what GitHub rejects or mis-files an upload
// without.
func TestSARIFCodeScanningRequirements(t *testing.T) {
	log := decodeSARIF(t, renderSARIF(t, sarifSample(), goldenOptions()))
	if log.Version != "2.1.0" || log.Schema == "" {
		t.Errorf("version %q, $schema %q", log.Version, log.Schema)
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "apiguard" {
		t.Errorf("tool.driver.name %q", run.Tool.Driver.Name)
	}
	rules := run.Tool.Driver.Rules
	// Three described policies (legacy.off is off), p.multi and the two service policies
	// which only report, and the error rule; p.dry is dry-run, so it never reaches SARIF.
	if len(rules) != 7 {
		t.Errorf("%d rules, want 7: %+v", len(rules), rules)
	}
	for i := 1; i < len(rules); i++ {
		if rules[i-1].ID >= rules[i].ID {
			t.Errorf("rules not sorted: %q before %q", rules[i-1].ID, rules[i].ID)
		}
	}
	if len(run.Results) != 13 {
		t.Errorf("%d results, want 13", len(run.Results))
	}
	fingerprints := map[string]bool{}
	for i, r := range run.Results {
		if r.RuleID == "" || r.Message.Text == "" || r.Level == "" {
			t.Errorf("result %d: ruleId %q, level %q, message %q", i, r.RuleID, r.Level, r.Message.Text)
		}
		if r.RuleIndex == nil || *r.RuleIndex >= len(rules) || rules[*r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex does not point at rule %q", i, r.RuleID)
		}
		if r.RuleID == "p.dry" {
			t.Errorf("result %d: a dry-run finding reached SARIF", i)
		}
		if len(r.Locations) == 0 {
			t.Errorf("result %d: no locations", i)
			continue
		}
		pl := r.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI == "" || pl.Region.StartLine < 1 {
			t.Errorf("result %d: uri %q, startLine %d", i, pl.ArtifactLocation.URI, pl.Region.StartLine)
		}
		if len(r.PartialFingerprints) == 0 {
			t.Errorf("result %d: no partialFingerprints", i)
		}
		for _, fp := range r.PartialFingerprints {
			if fingerprints[fp] {
				t.Errorf("result %d: fingerprint %s is not unique", i, fp)
			}
			fingerprints[fp] = true
		}
	}
}

func TestSARIFResults(t *testing.T) {
	log := decodeSARIF(t, renderSARIF(t, sarifSample(), goldenOptions()))
	run := log.Runs[0]
	type want struct {
		rule, level, uri, base string
		line                   int
		object                 string
	}
	got := map[string]want{}
	for _, r := range run.Results {
		l := r.Locations[0]
		w := want{r.RuleID, r.Level, l.PhysicalLocation.ArtifactLocation.URI, l.PhysicalLocation.ArtifactLocation.URIBaseID, l.PhysicalLocation.Region.StartLine, ""}
		if len(l.LogicalLocations) > 0 {
			w.object = l.LogicalLocations[0].FullyQualifiedName
		}
		got[r.Message.Text] = w
	}
	for msg, w := range map[string]want{
		"no TLS":                  {"ingress.require_tls", "error", "a.yaml", "%SRCROOT%", 12, "Ingress/team/bad"},
		"no owner":                {"ingress.owner", "warning", "a.yaml", "%SRCROOT%", 12, "Ingress/team/bad"},
		"no owner, absolute":      {"ingress.owner", "warning", "file:///abs/dir/e%20f.yaml", "", 1, "Ingress/x/abs"},
		"no TLS on stdin":         {"ingress.require_tls", "error", "stdin", "", 4, "Ingress/piped"},
		"boom":                    {"apiguard/error", "error", "b.yaml", "%SRCROOT%", 1, "Service/team/svc"},
		"first line\nsecond 100%": {"p.multi", "error", "./c:%20odd,name.yaml", "%SRCROOT%", 3, "Ingress/x/multi"},
		// FieldLine places /spec/tls; it cannot place the owner label, so the document line stays.
		"no TLS on web/field":                          {"ingress.require_tls", "error", "d.yaml", "%SRCROOT%", 27, "Ingress/web/field"},
		"no owner on web/field":                        {"ingress.owner", "warning", "d.yaml", "%SRCROOT%", 20, "Ingress/web/field"},
		"yaml: line 2: mapping values are not allowed": {"apiguard/error", "error", "g.yaml", "%SRCROOT%", 40, ""},
		// A file that could not be read, and a document that could not be decoded: a
		// result of the error rule each, at the file's top or the document's line.
		"no such file or directory":                                    {"apiguard/error", "error", "missing.yaml", "%SRCROOT%", 1, ""},
		"yaml: line 7: mapping values are not allowed in this context": {"apiguard/error", "error", "e.yaml", "%SRCROOT%", 5, ""},
	} {
		if got[msg] != w {
			t.Errorf("%q: got %+v, want %+v", msg, got[msg], w)
		}
	}

	inv := run.Invocations
	// Two evaluation errors and two input errors: each is a notification too.
	if len(inv) != 1 || inv[0].ExecutionSuccessful == nil || *inv[0].ExecutionSuccessful || len(inv[0].ToolExecutionNotifications) != 4 {
		t.Errorf("invocations with four errors: %+v", inv)
	}
	clean := decodeSARIF(t, renderSARIF(t, sample()[:2], Options{})).Runs[0].Invocations
	if len(clean) != 1 || clean[0].ExecutionSuccessful == nil || !*clean[0].ExecutionSuccessful || len(clean[0].ToolExecutionNotifications) != 0 {
		t.Errorf("invocations without errors: %+v", clean)
	}
}

func TestSARIFRules(t *testing.T) {
	rules := decodeSARIF(t, renderSARIF(t, goldenSample(), goldenOptions())).Runs[0].Tool.Driver.Rules
	got := map[string][2]any{}
	for _, r := range rules {
		got[r.ID] = [2]any{r.DefaultConfiguration.Level, r.Properties["security-severity"]}
	}
	for id, w := range map[string][2]any{
		"apiguard/error":      {"error", nil},
		"gateway.https":       {"error", "9.5"},   // described but silent: still listed
		"ingress.owner":       {"warning", "3.0"}, // warn rules only
		"ingress.require_tls": {"error", "8.0"},   // "High": case does not matter
		"p.multi":             {"error", nil},     // undescribed: level from its finding
	} {
		if got[id] != w {
			t.Errorf("rule %s: level and security-severity %v, want %v", id, got[id], w)
		}
	}
	if _, ok := got["legacy.off"]; ok {
		t.Error("a switched-off policy is listed as a rule")
	}
	if rules := decodeSARIF(t, renderSARIF(t, sample()[:2], Options{})).Runs[0].Tool.Driver.Rules; len(rules) != 2 {
		t.Errorf("without policies or errors: %d rules, want the 2 that reported", len(rules))
	}
}

// Fingerprints leave lines out, so an edit above an object keeps its alerts open rather
// than closing and reopening them.
func TestSARIFFingerprintsIgnoreLines(t *testing.T) {
	fingerprints := func(results []Result) []string {
		var out []string
		for _, r := range decodeSARIF(t, renderSARIF(t, results, Options{})).Runs[0].Results {
			out = append(out, r.PartialFingerprints[sarifFingerprint])
		}
		return out
	}
	before := fingerprints(goldenSample())
	moved := goldenSample()
	for i := range moved {
		moved[i].Line += 7
		moved[i].FieldLine = nil
	}
	if after := fingerprints(moved); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("fingerprints changed with lines:\n%v\n%v", before, after)
	}
	renamed := goldenSample()
	renamed[1].Name = "worse"
	if after := fingerprints(renamed); after[0] == before[0] {
		t.Error("fingerprint did not change with the object's name")
	}
	// Two messages of one policy on one object are two alerts.
	twice := []Result{{File: "a.yaml", Item: -1, Kind: "Ingress", Name: "n", Decision: policy.Decision{Violations: []policy.Violation{
		{Policy: "p", Message: "host a", Action: policy.ActionDeny}, {Policy: "p", Message: "host b", Action: policy.ActionDeny}}}}}
	if fp := fingerprints(twice); len(fp) != 2 || fp[0] == fp[1] {
		t.Errorf("repeated findings share a fingerprint: %v", fp)
	}
}

func TestArtifactLocation(t *testing.T) {
	for file, want := range map[string]sarifArtifact{
		"a.yaml":           {URI: "a.yaml", URIBaseID: srcRoot},
		"./dir/../x.yaml":  {URI: "x.yaml", URIBaseID: srcRoot},
		"deploy/100%.yaml": {URI: "deploy/100%25.yaml", URIBaseID: srcRoot},
		"c: odd,name.yaml": {URI: "./c:%20odd,name.yaml", URIBaseID: srcRoot},
		"-":                {URI: "stdin"},
		"/abs/e f.yaml":    {URI: "file:///abs/e%20f.yaml"},
	} {
		if got := artifactLocation(file); got != want {
			t.Errorf("artifactLocation(%q) = %+v, want %+v", file, got, want)
		}
	}
}

func TestSemanticVersion(t *testing.T) {
	for v, want := range map[string]string{
		"v1.4.0": "1.4.0", "1.4.0": "1.4.0", "v1.4.0-rc.1+build.5": "1.4.0-rc.1+build.5",
		"v0.0.0-20260101120000-abcdef123456": "0.0.0-20260101120000-abcdef123456",
		"":                                   "", "dev": "", "v1.4": "", "v01.4.0": "", "v1.4.0-rc.01": "", "v1.4.0+": "", "1.4.0-": "", "abc1234": "",
	} {
		if got := semanticVersion(v); got != want {
			t.Errorf("semanticVersion(%q) = %q, want %q", v, got, want)
		}
	}
	driver := decodeSARIF(t, renderSARIF(t, nil, Options{ToolVersion: "dev"})).Runs[0].Tool.Driver
	if driver.SemanticVersion != "" {
		t.Errorf("semanticVersion %q for version dev", driver.SemanticVersion)
	}
}
