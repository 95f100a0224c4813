package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/apiguard/apiguard/pkg/policy"
)

// finding is one line of CI output: a violation, a warning, or an evaluation error.
type finding struct {
	severity string // "error" blocks; "warning" does not
	policy   string
	message  string
	// field is the policy's Details["field"], "" when it named none.
	field string
	// file and line are where the finding points: the field's line in the object's file
	// when FieldLine resolves it, else the document's; the place in another document
	// when FieldLocation resolves it (moved). line is 0 when unknown.
	file  string
	line  int
	moved bool
}

// findings lists what a result reports, blocking ones first. Dry-run results are left
// out: they are for the logs, not for CI.
func findings(r Result) []finding {
	var out []finding
	if r.Err != nil {
		return []finding{{severity: "error", policy: "apiguard", message: r.Err.Error(), file: r.File, line: r.Line}}
	}
	add := func(severity, policyID, message string, details map[string]any) {
		field, _ := details["field"].(string)
		f := finding{severity: severity, policy: policyID, message: message, field: field, file: r.File, line: fieldLine(r, field)}
		if loc, ok := elsewhere(r, details); ok {
			f.file, f.line, f.moved = loc.File, loc.Line, true
		}
		out = append(out, f)
	}
	for _, v := range r.Decision.Violations {
		switch v.Action {
		case policy.ActionDeny:
			add("error", v.Policy, v.Message, v.Details)
		case policy.ActionWarn:
			add("warning", v.Policy, v.Message, v.Details)
		}
	}
	for _, w := range r.Decision.Warnings {
		if !w.DryRun {
			add("warning", w.Policy, w.Message, w.Details)
		}
	}
	return out
}

// fieldLine is the line of field in r's document when known, else the document's line.
func fieldLine(r Result, field string) int {
	if field != "" && r.FieldLine != nil {
		if n := r.FieldLine(field); n > 0 {
			return n
		}
	}
	return r.Line
}

// elsewhere is where a finding with details points in another document
// (Result.FieldLocation); ok is false when it points into the object's own.
func elsewhere(r Result, details map[string]any) (Location, bool) {
	field, _ := details["field"].(string)
	if field == "" || r.FieldLocation == nil {
		return Location{}, false
	}
	loc, ok := r.FieldLocation(field)
	return loc, ok && loc.Line > 0
}

func location(r Result) string {
	if r.Line > 0 {
		return fmt.Sprintf("%s:%d", r.File, r.Line)
	}
	return r.File
}

// writeJUnit: a testsuite per file, a testcase per object and policy, so a CI system
// lists each failure on its own; an object with no findings is one passing testcase.
func writeJUnit(w io.Writer, results []Result) error {
	doc := junitSuites{Name: "apiguard check"}
	index := map[string]int{}
	for _, r := range results {
		i, ok := index[r.File]
		if !ok {
			i = len(doc.Suites)
			index[r.File] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: r.File})
		}
		suite := &doc.Suites[i]
		class := strings.TrimSpace(location(r) + " " + objectName(r))
		fs := findings(r)
		if len(fs) == 0 {
			suite.Cases = append(suite.Cases, junitCase{Name: "allowed", Classname: class})
		}
		for _, f := range fs {
			c := junitCase{Name: f.policy, Classname: class}
			where := location(r)
			if f.moved {
				where = fmt.Sprintf("%s:%d", f.file, f.line)
			}
			msg := &junitMessage{Message: f.message, Type: f.policy, Text: fmt.Sprintf("%s: [%s] %s", where, f.policy, f.message)}
			switch {
			case r.Err != nil:
				c.Error = msg
				suite.Errors++
			case f.severity == "error":
				c.Failure = msg
				suite.Fails++
			default:
				// A warning passes; CI systems show system-out with the test.
				c.SystemOut = "warning: " + msg.Text
			}
			suite.Cases = append(suite.Cases, c)
		}
		suite.Tests = len(suite.Cases)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Fails += s.Fails
		doc.Errors += s.Errors
	}
	return encodeJUnit(w, doc)
}

// TAP version 13: a test point per object and blocking finding; warnings become
// diagnostics under their test point.
func writeTAP(w io.Writer, results []Result) error {
	var b strings.Builder
	var points []string
	for _, r := range results {
		subject := strings.TrimSpace(location(r) + " " + objectName(r))
		var warns []string
		blocked := false
		for _, f := range findings(r) {
			if f.severity == "error" {
				blocked = true
				points = append(points, fmt.Sprintf("not ok %%d - %s: [%s] %s", subject, f.policy, oneLine(withoutSubject(f.message, r))))
			} else {
				warns = append(warns, fmt.Sprintf("# warning [%s] %s", f.policy, oneLine(withoutSubject(f.message, r))))
			}
		}
		if !blocked {
			points = append(points, "ok %d - "+subject)
		}
		if len(warns) > 0 {
			points[len(points)-1] += "\n" + strings.Join(warns, "\n")
		}
	}
	fmt.Fprintf(&b, "TAP version 13\n1..%d\n", len(points))
	for i, p := range points {
		b.WriteString(strings.Replace(p, "%d", fmt.Sprint(i+1), 1))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// GitHub Actions workflow commands: ::error / ::warning with file and line, so the
// findings annotate the pull request diff.
func writeGitHub(w io.Writer, results []Result) error {
	var b strings.Builder
	for _, r := range results {
		for _, f := range findings(r) {
			props := "file=" + ghProperty(f.file)
			if f.line > 0 {
				props += fmt.Sprintf(",line=%d", f.line)
			}
			props += ",title=" + ghProperty(f.policy)
			// Policy messages name the object already (the policy contract).
			fmt.Fprintf(&b, "::%s %s::%s\n", f.severity, props, ghData(f.message))
		}
		for _, p := range r.Patches {
			v, _ := json.Marshal(p.Value)
			fmt.Fprintf(&b, "::notice file=%s,line=%d,title=%s::%s\n", ghProperty(r.File), max(r.Line, 1), ghProperty(p.Policy),
				ghData(fmt.Sprintf("%s: the webhook will %s %s %s", objectName(r), p.Op, p.Path, v)))
		}
	}
	b.WriteString(Summarize(results).String())
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData and ghProperty escape workflow-command values as GitHub's toolkit does.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
