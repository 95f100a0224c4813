// Package report renders the CLI's results (text for people, json for machines) and
// decides the exit code. Formats only grow: a key once emitted keeps its name and place.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/apiguard/apiguard/pkg/policy"
)

// Exit codes shared by every CLI command.
const (
	ExitAllowed = 0
	ExitDenied  = 1
	ExitError   = 2
)

// Result is the verdict for one object.
type Result struct {
	File  string
	Index int
	Item  int // -1 unless the object came from a List
	// Line is where the object's document starts in File (1-based; 0 when unknown).
	Line       int
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	// Decision is evaluated on the object after mutation, as the validating webhook sees it.
	Decision policy.Decision
	// Patches are the mutations the webhook would apply.
	Patches []policy.PatchOp
	// Err is set when the object could not be read, validated or evaluated. A result
	// with an Err but no Kind or Name stands for a file (Index -1) or a document that
	// could not be read: every format reports it in place, and the run goes on.
	Err error
	// FieldLine returns the 1-based line of a field path inside the object's document, 0
	// when unknown; nil means no field is ever found. The path is a finding's
	// Details["field"] as the policy wrote it: a JSON pointer ("/spec/tls/0") or a dotted
	// path ("spec.tls"). Formats that point at a line use it to land on the offending
	// field rather than the top of the document.
	FieldLine func(field string) int
	// FieldLocation places a finding whose field lies in a document the object refers
	// to or holds as a string, rather than in the object's own YAML: a Tyk OAS document
	// (x-tyk-api-gateway…, x-tyk-streaming…) in a ConfigMap's data, for the ConfigMap and
	// for the TykOasApiDefinition that names it. ok is false for any other field and when
	// that document is not in the input; FieldLine places the finding then. Formats that
	// point at a place point there, and -o json adds it to the finding; nil means never.
	FieldLocation func(field string) (loc Location, ok bool)
}

// Location is a place in an input file: its path as given and a 1-based line.
type Location struct {
	File string
	Line int
}

// Allowed reports whether the object would be admitted.
func (r Result) Allowed() bool { return r.Err == nil && r.Decision.Allowed() }

// Summary counts results for the closing line and the exit code.
type Summary struct {
	Objects, Denied, Warnings, Patched, Errors int
}

// Summarize counts objects, denials, warnings, patched objects and errors. A file or
// document that could not be read (an error without a kind or name) is an error but
// no object.
func Summarize(results []Result) Summary {
	var s Summary
	for _, r := range results {
		if r.Err == nil || displayName(r) != "" {
			s.Objects++
		}
		switch {
		case r.Err != nil:
			s.Errors++
		case !r.Decision.Allowed():
			s.Denied++
		}
		s.Warnings += len(r.Decision.UserWarnings())
		if len(r.Patches) > 0 {
			s.Patched++
		}
	}
	return s
}

// ExitCode is 2 when any object could not be evaluated, else 1 when any was denied (or,
// with failOnWarn, warned), else 0.
func (s Summary) ExitCode(failOnWarn bool) int {
	switch {
	case s.Errors > 0:
		return ExitError
	case s.Denied > 0, failOnWarn && s.Warnings > 0:
		return ExitDenied
	}
	return ExitAllowed
}

// Options tune rendering; the zero value is plain output with no rule metadata.
type Options struct {
	// Color adds ANSI colours to the text format. See ColorEnabled for when to set it.
	Color bool
	// Policies supply rule metadata (title, description, severity, remediation) to
	// formats that describe their rules: sarif.
	Policies []policy.Policy
	// ToolVersion is apiguard's version, reported by formats that name the tool: sarif.
	ToolVersion string
}

// Write renders results in the named format.
func Write(w io.Writer, format string, results []Result, opts Options) error {
	switch format {
	case "text", "":
		return writeText(w, results, opts.Color)
	case "json":
		return writeJSON(w, results)
	case "junit":
		return writeJUnit(w, results)
	case "tap":
		return writeTAP(w, results)
	case "github":
		return writeGitHub(w, results)
	case "sarif":
		return writeSARIF(w, results, opts)
	}
	return fmt.Errorf("unknown output format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// Formats lists the supported output formats.
func Formats() []string { return []string{"text", "json", "junit", "tap", "github", "sarif"} }

type jsonViolation struct {
	Policy  string `json:"policy"`
	Message string `json:"message"`
	Action  string `json:"action"`
	// File and Line are set for a finding about another document (Result.FieldLocation).
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

type jsonWarning struct {
	Policy  string `json:"policy"`
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
}

type jsonPatch struct {
	Policy string `json:"policy"`
	Op     string `json:"op"`
	Path   string `json:"path"`
	Value  any    `json:"value"`
}

// jsonResult fixes the key order of -o json; new keys go at the end, omitted when empty.
type jsonResult struct {
	File       string          `json:"file"`
	Index      int             `json:"index"`
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Namespace  string          `json:"namespace"`
	Name       string          `json:"name"`
	Allowed    bool            `json:"allowed"`
	Violations []jsonViolation `json:"violations"`
	Warnings   []jsonWarning   `json:"warnings"`
	Patches    []jsonPatch     `json:"patches"`
	Item       *int            `json:"item,omitempty"`
	Revision   string          `json:"revision,omitempty"`
	Error      string          `json:"error,omitempty"`
	Line       int             `json:"line,omitempty"`
}

func writeJSON(w io.Writer, results []Result) error {
	out := make([]jsonResult, 0, len(results))
	for _, r := range results {
		jr := jsonResult{
			File: r.File, Index: r.Index, APIVersion: r.APIVersion, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name,
			Allowed:    r.Allowed(),
			Violations: []jsonViolation{}, Warnings: []jsonWarning{}, Patches: []jsonPatch{},
			Revision: r.Decision.Revision,
			Line:     r.Line,
		}
		if r.Item >= 0 {
			item := r.Item
			jr.Item = &item
		}
		if r.Err != nil {
			jr.Error = r.Err.Error()
		}
		for _, v := range r.Decision.Violations {
			loc, _ := elsewhere(r, v.Details)
			jr.Violations = append(jr.Violations, jsonViolation{Policy: v.Policy, Message: v.Message, Action: string(v.Action), File: loc.File, Line: loc.Line})
		}
		for _, wn := range r.Decision.Warnings {
			if !wn.DryRun {
				loc, _ := elsewhere(r, wn.Details)
				jr.Warnings = append(jr.Warnings, jsonWarning{Policy: wn.Policy, Message: wn.Message, File: loc.File, Line: loc.Line})
			}
		}
		for _, p := range r.Patches {
			jr.Patches = append(jr.Patches, jsonPatch{Policy: p.Policy, Op: p.Op, Path: p.Path, Value: p.Value})
		}
		out = append(out, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeText groups results by file, one line per finding, and ends with a summary line.
// Each line names its object once: policy messages start with the object's display
// name (the policy contract, for the webhook's denial), which the line already shows.
// With color, labels and file headers get ANSI colours; the text itself is unchanged.
func writeText(w io.Writer, results []Result, color bool) error {
	p := palette(color)
	var b strings.Builder
	file := ""
	for i, r := range results {
		if i == 0 || r.File != file {
			file = r.File
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%s\n", p.paint(sgrBold, file))
		}
		obj := objectName(r)
		if displayName(r) == "" && r.Line > 0 {
			// Text shows no file:line, and a document that could not be read has
			// no name to find it by.
			obj += fmt.Sprintf(" (line %d)", r.Line)
		}
		subject := func(label string) string {
			if obj == "" {
				return "  " + p.label(label) + " "
			}
			return "  " + p.label(label) + " " + obj + ": "
		}
		if r.Err != nil {
			fmt.Fprintf(&b, "%s%v\n", subject("ERROR"), r.Err)
			continue
		}
		for _, v := range r.Decision.Violations {
			label := map[policy.Action]string{policy.ActionDeny: "DENY", policy.ActionWarn: "WARN", policy.ActionDryRun: "DRYRUN"}[v.Action]
			fmt.Fprintf(&b, "%s[%s] %s\n", subject(label), v.Policy, withoutSubject(v.Message, r))
		}
		for _, wn := range r.Decision.Warnings {
			if !wn.DryRun {
				fmt.Fprintf(&b, "%s[%s] %s\n", subject("WARN"), wn.Policy, withoutSubject(wn.Message, r))
			}
		}
		for _, pt := range r.Patches {
			v, _ := json.Marshal(pt.Value)
			fmt.Fprintf(&b, "%s[%s] %s %s %s\n", subject("PATCH"), pt.Policy, pt.Op, pt.Path, v)
		}
		if r.Allowed() && len(r.Decision.Violations) == 0 && len(r.Decision.Warnings) == 0 && len(r.Patches) == 0 {
			fmt.Fprintf(&b, "  %s %s\n", p.label("PASS"), obj)
		}
	}
	if len(results) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(Summarize(results).String())
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// String is the closing line of the text and github formats: "1 object, 0 denied,
// 2 warnings, 0 patched", plus ", 1 error" when there are errors.
func (s Summary) String() string {
	out := fmt.Sprintf("%s, %d denied, %s, %d patched", Count(s.Objects, "object"), s.Denied, Count(s.Warnings, "warning"), s.Patched)
	if s.Errors > 0 {
		out += ", " + Count(s.Errors, "error")
	}
	return out
}

// Count says "1 object" or "n objects": counts in text output read as English.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// withoutSubject drops the "<Kind> <namespace>/<name>: " a policy message starts with
// when it names r's object, for formats that print the object beside the message.
func withoutSubject(msg string, r Result) string {
	if name := displayName(r); name != "" {
		if rest, ok := strings.CutPrefix(msg, name+": "); ok && rest != "" {
			return rest
		}
	}
	return msg
}

// displayName is "Kind namespace/name", or "Kind name" without a namespace: the form
// policies use in messages (lib.kubernetes.display).
func displayName(r Result) string {
	if r.Kind == "" && r.Name == "" {
		return ""
	}
	name := r.Name
	if r.Namespace != "" {
		name = r.Namespace + "/" + name
	}
	return r.Kind + " " + name
}

// objectName says which object a line is about. A result without an object (a file or
// document that could not be read) is named by its place in the file: "document 2",
// or "" for the file as a whole, whose name heads the group.
func objectName(r Result) string {
	s := displayName(r)
	if s == "" {
		if r.Index < 0 {
			return ""
		}
		s = fmt.Sprintf("document %d", r.Index)
		if r.Item >= 0 {
			s += fmt.Sprintf(", item %d", r.Item)
		}
		return s
	}
	if r.Item >= 0 {
		s += fmt.Sprintf(" (document %d, item %d)", r.Index, r.Item)
	}
	return s
}
