package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apiguard/apiguard/pkg/policy"
)

// SARIF 2.1.0, the format GitHub code scanning and other analysis dashboards ingest.
const (
	sarifVersion = "2.1.0"
	// sarifSchema is the OASIS schema (2.1.0 with errata 01) the output is tested against.
	sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// sarifErrorRule is the rule of objects that could not be evaluated.
	sarifErrorRule = "apiguard/error"
	// sarifFingerprint names apiguard's partial fingerprint; the version suffix lets the
	// hash change meaning later without matching old alerts wrongly.
	sarifFingerprint = "apiguardFinding/v1"
	// srcRoot is the base of relative paths; code scanning binds it to the checkout.
	srcRoot = "%SRCROOT%"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	InformationURI  string      `json:"informationUri"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	Rules           []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      *sarifText     `json:"fullDescription,omitempty"`
	Help                 *sarifText     `json:"help,omitempty"`
	DefaultConfiguration sarifRuleLevel `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifRuleLevel struct {
	Level string `json:"level"`
}

// sarifRuleProps are the rule properties GitHub reads: security-severity (a CVSS-like
// score as a string) ranks the alert, tags file it under security.
type sarifRuleProps struct {
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Tags             []string `json:"tags"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	LogicalLocations []sarifLogicalLoc     `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLoc struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

// writeSARIF writes one run: a rule per policy (opts.Policies and any policy that
// reported), a result per finding as the other CI formats list them, and one invocation
// that fails when an object could not be evaluated.
func writeSARIF(w io.Writer, results []Result, opts Options) error {
	rules := sarifRules(results, opts.Policies)
	index := make(map[string]int, len(rules))
	for i, r := range rules {
		index[r.ID] = i
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:            "apiguard",
			InformationURI:  "https://github.com/apiguard/apiguard",
			Version:         opts.ToolVersion,
			SemanticVersion: semanticVersion(opts.ToolVersion),
			Rules:           rules,
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
	}
	seen := map[string]int{}
	for _, r := range results {
		for _, f := range findings(r) {
			id := f.policy
			if r.Err != nil {
				id = sarifErrorRule
			}
			loc := sarifLocationOf(r, f.file, f.line)
			run.Results = append(run.Results, sarifResult{
				RuleID:              id,
				RuleIndex:           index[id],
				Level:               f.severity,
				Message:             sarifText{f.message},
				Locations:           []sarifLocation{loc},
				PartialFingerprints: map[string]string{sarifFingerprint: fingerprint(seen, id, loc.PhysicalLocation.ArtifactLocation.URI, r, f.field)},
			})
			if r.Err != nil {
				inv := &run.Invocations[0]
				inv.ExecutionSuccessful = false
				inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
					sarifNotification{Level: "error", Message: sarifText{f.message}, Locations: []sarifLocation{loc}})
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifRules describes every enabled policy in policies and every rule a result reports,
// sorted by ID so output is stable. A policy that reported but is missing from policies
// (the caller passed none) still gets a rule, named by its ID.
func sarifRules(results []Result, policies []policy.Policy) []sarifRule {
	byID := map[string]sarifRule{}
	for _, p := range policies {
		if p.Enforcement != policy.ActionOff {
			byID[p.ID] = policyRule(p)
		}
	}
	for _, r := range results {
		for _, f := range findings(r) {
			switch {
			case r.Err != nil:
				byID[sarifErrorRule] = sarifRule{
					ID: sarifErrorRule, Name: sarifErrorRule,
					ShortDescription:     sarifText{"Object could not be evaluated"},
					FullDescription:      &sarifText{"apiguard could not read or evaluate this object, so no policy has judged it."},
					DefaultConfiguration: sarifRuleLevel{"error"},
					Properties:           sarifRuleProps{Tags: []string{"kubernetes"}},
				}
			case byID[f.policy].ID == "":
				byID[f.policy] = sarifRule{
					ID: f.policy, Name: f.policy,
					ShortDescription:     sarifText{f.policy},
					DefaultConfiguration: sarifRuleLevel{f.severity},
					Properties:           sarifRuleProps{Tags: []string{"security", "kubernetes"}},
				}
			}
		}
	}
	rules := make([]sarifRule, 0, len(byID))
	for _, r := range byID {
		rules = append(rules, r)
	}
	slices.SortFunc(rules, func(a, b sarifRule) int { return strings.Compare(a.ID, b.ID) })
	return rules
}

func policyRule(p policy.Policy) sarifRule {
	r := sarifRule{
		ID: p.ID, Name: p.ID,
		ShortDescription:     sarifText{p.Title},
		DefaultConfiguration: sarifRuleLevel{policyLevel(p)},
		Properties: sarifRuleProps{
			SecuritySeverity: map[string]string{"critical": "9.5", "high": "8.0", "medium": "5.0", "low": "3.0"}[strings.ToLower(strings.TrimSpace(p.Severity))],
			Tags:             []string{"security", "kubernetes"},
		},
	}
	if r.ShortDescription.Text == "" {
		r.ShortDescription.Text = p.ID
	}
	if p.Description != "" {
		r.FullDescription = &sarifText{p.Description}
	}
	if p.Remediation != "" {
		r.Help = &sarifText{p.Remediation}
	}
	return r
}

// policyLevel is the level a policy's findings usually have: error when it denies,
// warning when it only warns, note when nothing it finds reaches CI (dry-run, or patches
// only).
func policyLevel(p policy.Policy) string {
	switch {
	case p.Enforcement == policy.ActionDryRun:
		return "note"
	case p.Enforcement == policy.ActionWarn:
		return "warning"
	case slices.Contains(p.Rules, policy.RuleDeny), slices.Contains(p.Rules, policy.RuleViolation):
		return "error"
	case slices.Contains(p.Rules, policy.RuleWarn):
		return "warning"
	}
	return "note"
}

// sarifLocationOf points at line in file (line 1 when unknown: code scanning requires a
// startLine), r's file or the one holding the document a finding is about, and names
// r's object, the one judged, as a logical location.
func sarifLocationOf(r Result, file string, line int) sarifLocation {
	loc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{
		ArtifactLocation: artifactLocation(file),
		Region:           sarifRegion{StartLine: max(line, 1)},
	}}
	if r.Kind != "" || r.Name != "" {
		loc.LogicalLocations = []sarifLogicalLoc{{Name: r.Name, FullyQualifiedName: qualifiedName(r), Kind: "resource"}}
	}
	return loc
}

// qualifiedName is kind/namespace/name, or kind/name for objects without a namespace.
func qualifiedName(r Result) string {
	parts := []string{r.Kind}
	if r.Namespace != "" {
		parts = append(parts, r.Namespace)
	}
	return strings.Join(append(parts, r.Name), "/")
}

// artifactLocation turns a path as the user gave it into a URI. A relative path is
// relative to %SRCROOT%, the repository root in code scanning, so CI should run
// `apiguard check` from the root. An absolute path becomes a file:// URI. Stdin ("-")
// has no file: it becomes the relative URI "stdin" with no base, so it cannot be
// mistaken for a file in the repository.
func artifactLocation(file string) sarifArtifact {
	if file == "-" {
		return sarifArtifact{URI: "stdin"}
	}
	p := filepath.ToSlash(filepath.Clean(file))
	if filepath.IsAbs(file) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // a Windows drive: file:///C:/...
		}
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: p}).String()}
	}
	// url.URL escapes what a URI cannot hold (spaces, %) and guards a colon in the first
	// segment with "./", which would otherwise read as a scheme.
	return sarifArtifact{URI: (&url.URL{Path: p}).String(), URIBaseID: srcRoot}
}

// fingerprint identifies a finding across runs so code scanning can track one alert as
// files change: the rule, the file and the object, plus the field when the policy names
// one. Lines are left out on purpose, so an edit above the object keeps its alerts. seen
// counts repeats within the run: the nth identical finding gets suffix n, which keeps
// two messages of one policy on one object apart.
func fingerprint(seen map[string]int, rule, uri string, r Result, field string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{rule, uri, r.Kind, r.Namespace, r.Name, field}, "\x00")))
	key := hex.EncodeToString(sum[:16])
	seen[key]++
	return key + ":" + strconv.Itoa(seen[key])
}

// semanticVersion is v without a leading "v" when that is a Semantic Versioning 2.0.0
// version, the only form semanticVersion may hold; "" otherwise (a commit, "dev").
func semanticVersion(v string) string {
	s := strings.TrimPrefix(v, "v")
	rest, build, hasBuild := strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(rest, "-")
	if hasBuild && !semverIdents(build, false) || hasPre && !semverIdents(pre, true) {
		return ""
	}
	nums := strings.Split(core, ".")
	if len(nums) != 3 {
		return ""
	}
	for _, n := range nums {
		if !isNumber(n) {
			return ""
		}
	}
	return s
}

// semverIdents checks dot-separated identifiers of [0-9A-Za-z-]; in a pre-release a
// numeric identifier may not have a leading zero.
func semverIdents(s string, pre bool) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" || strings.Trim(id, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") != "" {
			return false
		}
		if pre && strings.Trim(id, "0123456789") == "" && !isNumber(id) {
			return false
		}
	}
	return true
}

// isNumber reports whether s is a decimal number without a leading zero.
func isNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == "" && (s == "0" || s[0] != '0')
}
