// Package peercases checks the bundled library against other projects' own test
// manifests (../shared/reference/peer-cases: Gatekeeper library samples, Kyverno policy
// tests, Gateway API examples, Tyk Operator samples), concern by concern. Each file (a
// Gateway API example folder as one unit) goes through the real apiguard check binary;
// the verdict of the case's own policies is compared with the one the case expects. A
// disagreement must be recorded, with its reason, in disagreements.yaml; an unrecorded
// one fails, and so does a record that no longer disagrees. A case the shared file calls
// uncovered is scored too once disagreements.yaml assigns it a concern and the policies
// that now cover it (its assignments section). test/adversarial/README.md documents
// both this test and the adversarial corpus.
package peercases

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/source"
)

// peerCase is one entry of external-expect.json: one object judged for one concern.
type peerCase struct {
	Source      string   `json:"source"`
	PeerPolicy  string   `json:"peer_policy"`
	PeerVerdict string   `json:"peer_verdict"`
	Concern     string   `json:"concern"`
	OurPolicies []string `json:"our_policies"`
	OurMatch    string   `json:"our_match"`
	Flag        string   `json:"flag"`
	Expected    string   `json:"expected"`
	Judgement   string   `json:"judgement"`
	Fault       bool     `json:"apiguard_fault"`
	Note        string   `json:"note"`
	Role        string   `json:"role"`
	Data        string   `json:"data"`

	// key is the entry's key ("<file>#<index>", or "<file>" for a file of one object).
	key string
	// assigned marks a case the shared file calls uncovered, scored through an
	// assignment of disagreements.yaml.
	assigned bool
}

// id names the case in disagreements.yaml and in messages: its key and its concern.
func (c peerCase) id() string { return c.key + " " + c.Concern }

// want is the verdict apiguard should give: expected when the case sets it, else the
// peer's own.
func (c peerCase) want() string {
	if c.Expected != "" {
		return c.Expected
	}
	return c.PeerVerdict
}

// record is one recorded disagreement.
type record struct {
	// Verdict is apiguard's verdict today: pass, fail or error.
	Verdict string `json:"verdict"`
	// Want is the verdict the case asks for.
	Want string `json:"want"`
	// Reason says why the disagreement stands (the case's judgement where it has one).
	Reason string `json:"reason"`
	// Flips marks a disagreement judged to be apiguard's fault (apiguard_fault): the fix
	// flips it, and the test then asks for the record to go.
	Flips bool `json:"flips,omitempty"`
}

type recordsFile struct {
	Disagreements map[string]record `json:"disagreements"`
	// Assignments score cases the shared file calls uncovered, keyed by the uncovered
	// case's id ("<key> uncovered").
	Assignments map[string][]assignment `json:"assignments"`
}

// assignment gives a case that external-expect.json calls uncovered a concern and the
// apiguard policies that now cover it, so it is scored like any other case: against the
// peer's verdict, agreeing or with a recorded disagreement.
type assignment struct {
	Concern     string   `json:"concern"`
	OurPolicies []string `json:"our_policies"`
	OurMatch    string   `json:"our_match,omitempty"`
	Flag        string   `json:"flag,omitempty"`
	// Reason says why the policies cover the case; it names each of them.
	Reason string `json:"reason"`
}

// uncoveredConcern is the concern external-expect.json gives a case no policy covered.
const uncoveredConcern = "uncovered"

// library is what an assignment is checked against: each policy of the bundled
// library by ID, with the kinds it judges (custom.kinds; empty means every kind).
type library map[string][]string

// judges reports whether the policy id exists and judges objects of group and kind.
func (l library) judges(id, group, kind string) (exists, judges bool) {
	kinds, ok := l[id]
	if !ok {
		return false, false
	}
	if len(kinds) == 0 {
		return true, true
	}
	return true, slices.Contains(kinds, kind) || slices.Contains(kinds, group+"/"+kind)
}

// objectKind is the group and kind of one object of a peer file.
type objectKind struct{ group, kind string }

// assign turns the assigned uncovered cases into scored ones. It returns every case
// to score (the shared file's cases with a concern, then the assigned ones), the
// uncovered cases left unassigned, and a problem per stale or malformed assignment:
// one naming no uncovered case of the shared file (the case is gone, or the shared
// file now gives it a concern), a concern the shared file already scores for the
// case, a policy the library no longer has or that no longer judges the object's
// kind, or a reason that does not name the policies.
func assign(cases []peerCase, assignments map[string][]assignment, lib library, kindsOf func(key string) ([]objectKind, error)) (scored, uncovered []peerCase, problems []string) {
	byID := map[string]peerCase{}
	for _, c := range cases {
		byID[c.id()] = c
	}
	assigned := map[string]bool{}
	for _, id := range slices.Sorted(maps.Keys(assignments)) {
		c, ok := byID[id]
		if !ok || c.Concern != uncoveredConcern || c.Role == "inventory" {
			problems = append(problems, fmt.Sprintf("stale assignment %q: external-expect.json has no such uncovered case (gone, or it now has a concern of its own); remove it from the assignments of disagreements.yaml", id))
			continue
		}
		list := assignments[id]
		if len(list) == 0 {
			problems = append(problems, fmt.Sprintf("assignment %q assigns no concern", id))
			continue
		}
		kinds, err := kindsOf(c.key)
		if err != nil {
			problems = append(problems, fmt.Sprintf("assignment %q: %v", id, err))
			continue
		}
		assigned[id] = true
		seen := map[string]bool{}
		for _, a := range list {
			n := c
			n.Concern, n.OurPolicies, n.OurMatch, n.Flag = a.Concern, a.OurPolicies, a.OurMatch, a.Flag
			n.Expected, n.Judgement, n.Fault, n.assigned = "", "", false, true
			switch {
			case a.Concern == "" || a.Concern == uncoveredConcern:
				problems = append(problems, fmt.Sprintf("assignment %q: concern %q: name the concern the policies cover", id, a.Concern))
				continue
			case seen[a.Concern]:
				problems = append(problems, fmt.Sprintf("assignment %q: concern %s assigned twice", id, a.Concern))
				continue
			case byID[n.id()].key != "":
				problems = append(problems, fmt.Sprintf("assignment %q: external-expect.json already scores %q; remove the assignment of %s", id, n.id(), a.Concern))
				continue
			case len(a.OurPolicies) == 0:
				problems = append(problems, fmt.Sprintf("assignment %q: concern %s names no policy", id, a.Concern))
				continue
			case a.Flag != "" && a.Flag != "any":
				problems = append(problems, fmt.Sprintf("assignment %q: concern %s: flag %q (want any, or none)", id, a.Concern, a.Flag))
				continue
			}
			seen[a.Concern] = true
			ok := true
			for _, p := range a.OurPolicies {
				if !strings.Contains(a.Reason, p) {
					problems = append(problems, fmt.Sprintf("assignment %q: concern %s: the reason must name %s, the policy that now covers the case", id, a.Concern, p))
					ok = false
				}
				for _, k := range kinds {
					exists, judges := lib.judges(p, k.group, k.kind)
					switch {
					case !exists:
						problems = append(problems, fmt.Sprintf("stale assignment %q: concern %s: the library has no policy %s", id, a.Concern, p))
						ok = false
					case !judges:
						problems = append(problems, fmt.Sprintf("stale assignment %q: concern %s: %s no longer judges %s (custom.kinds %v)", id, a.Concern, p, qualified(k), lib[p]))
						ok = false
					}
				}
			}
			if ok {
				scored = append(scored, n)
			}
		}
	}
	var out []peerCase
	for _, c := range cases {
		switch {
		case c.Concern != uncoveredConcern:
			out = append(out, c)
		case !assigned[c.id()] && c.Role != "inventory":
			uncovered = append(uncovered, c)
		}
	}
	return append(out, scored...), uncovered, problems
}

func qualified(k objectKind) string {
	if k.group == "" {
		return k.kind
	}
	return k.group + "/" + k.kind
}

// loadLibrary compiles the bundled library, as apiguard check does, for its policies'
// IDs and kinds.
func loadLibrary(ctx context.Context, root string) (library, error) {
	snap, err := source.Dir{Path: filepath.Join(root, "policies")}.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	set, err := policy.Load(ctx, snap.FS, policy.LoadOptions{Revision: snap.Revision})
	if err != nil {
		return nil, err
	}
	lib := library{}
	for _, p := range set.Policies() {
		lib[p.ID] = p.Kinds
	}
	return lib, nil
}

// peerKinds returns kindsOf for assign: the group and kind of a case's objects, read
// from its peer file as apiguard check reads it.
func peerKinds(dir string) func(key string) ([]objectKind, error) {
	return func(key string) ([]objectKind, error) {
		file, index, hasIndex := strings.Cut(key, "#")
		docs, err := manifest.Read([]string{filepath.Join(dir, file)}, manifest.Options{})
		if err != nil {
			return nil, err
		}
		var out []objectKind
		for _, d := range docs {
			if hasIndex && strconv.Itoa(d.Index) != index {
				continue
			}
			group := "" // the core group's apiVersion is "v1"
			if g, _, ok := strings.Cut(d.APIVersion(), "/"); ok {
				group = g
			}
			out = append(out, objectKind{group, d.Kind()})
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s holds no object at that index", file)
		}
		return out, nil
	}
}

// result is one object of apiguard check -o json.
type result struct {
	File       string `json:"file"`
	Index      int    `json:"index"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Error      string `json:"error"`
	Violations []struct {
		Policy  string `json:"policy"`
		Message string `json:"message"`
		Action  string `json:"action"`
	} `json:"violations"`
	Warnings []struct {
		Policy  string `json:"policy"`
		Message string `json:"message"`
	} `json:"warnings"`
}

// finding is one message of one policy on an object.
type finding struct {
	policy, message string
	warn            bool
}

func (r result) findings() []finding {
	var out []finding
	for _, v := range r.Violations {
		switch v.Action {
		case "deny", "":
			out = append(out, finding{v.Policy, v.Message, false})
		case "warn":
			out = append(out, finding{v.Policy, v.Message, true})
		}
	}
	for _, w := range r.Warnings {
		out = append(out, finding{w.Policy, w.Message, true})
	}
	return out
}

// peerDir is the peer-case folder of the shared reference folder (kubetest.SharedDir:
// $APIGUARD_SHARED, ../shared beside the repository, or /work/shared).
func peerDir(t *testing.T) (root, dir string) {
	t.Helper()
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	shared, err := kubetest.SharedDir()
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(shared, "reference", "peer-cases")
	if _, err := os.Stat(filepath.Join(dir, "external-expect.json")); err != nil {
		t.Fatalf("the peer cases are missing: %v (they live in reference/peer-cases of the shared folder %s)", err, shared)
	}
	return root, dir
}

func loadCases(t *testing.T, dir string) []peerCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "external-expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("external-expect.json: %v", err)
	}
	var cases []peerCase
	seen := map[string]bool{}
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		if strings.HasPrefix(key, "_") {
			continue
		}
		v := raw[key]
		var list []peerCase
		if bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
			err = json.Unmarshal(v, &list)
		} else {
			var one peerCase
			err = json.Unmarshal(v, &one)
			list = []peerCase{one}
		}
		if err != nil {
			t.Fatalf("external-expect.json: %s: %v", key, err)
		}
		file, _, _ := strings.Cut(key, "#")
		if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
			t.Errorf("external-expect.json names %s, which is missing: %v", key, err)
		}
		for _, c := range list {
			c.key = key
			if c.Role == "" && seen[c.id()] {
				t.Fatalf("external-expect.json: two cases for %s", c.id())
			}
			seen[c.id()] = true
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		t.Fatal("external-expect.json holds no cases")
	}
	return cases
}

// unit is the set of files checked together: a Gateway API example folder (its Gateway,
// routes and grants refer to each other), else one file.
func unit(key string) string {
	file, _, _ := strings.Cut(key, "#")
	parts := strings.Split(file, "/")
	if parts[0] == "gateway-api" && len(parts) > 2 {
		return filepath.Join(parts[0], parts[1])
	}
	return file
}

// checkRun is one apiguard check invocation: a unit with one --data (or none).
type checkRun struct {
	unit, data string
}

// runCheck runs apiguard check -o json on a unit from the peer-cases folder, so the
// reported files are the keys' paths.
func runCheck(ctx context.Context, bin, dir, policies string, r checkRun) ([]result, error) {
	args := []string{"check", "-o", "json", "--policy", policies}
	if r.data != "" {
		args = append(args, "--data", r.data)
	}
	cmd := exec.CommandContext(ctx, bin, append(args, r.unit)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var out []result
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("apiguard %s: %v; no JSON (%v)\nstdout: %.2000s\nstderr: %.2000s", strings.Join(cmd.Args[1:], " "), runErr, err, stdout.String(), stderr.String())
	}
	// Exit 0 all allowed, 1 something denied; 2 is an input or policy error, which may
	// come with a result per file.
	var exit *exec.ExitError
	if runErr != nil && !(errors.As(runErr, &exit) && exit.ExitCode() <= 2) {
		return nil, fmt.Errorf("apiguard %s: %v\nstderr: %s", strings.Join(cmd.Args[1:], " "), runErr, stderr.String())
	}
	return out, nil
}

// verdict is apiguard's verdict on a case: fail when one of the case's policies denies
// (or warns, with flag any) with a message our_match accepts; error when check could
// not judge the object.
func verdict(c peerCase, objects []result) (string, error) {
	var match *regexp.Regexp
	if c.OurMatch != "" {
		var err error
		if match, err = regexp.Compile(c.OurMatch); err != nil {
			return "", fmt.Errorf("our_match %q: %w", c.OurMatch, err)
		}
	}
	out := "pass"
	for _, r := range objects {
		if r.Error != "" {
			return "error", nil
		}
		for _, f := range r.findings() {
			if !slices.Contains(c.OurPolicies, f.policy) || (f.warn && c.Flag != "any") {
				continue
			}
			if match == nil || match.MatchString(f.message) {
				out = "fail"
			}
		}
	}
	return out, nil
}

// objectsOf picks a case's objects from its unit's results: #N is the object of that
// index, a key without one every object of the file.
func objectsOf(key string, results []result) ([]result, error) {
	file, index, hasIndex := strings.Cut(key, "#")
	n := -1
	if hasIndex {
		var err error
		if n, err = strconv.Atoi(index); err != nil {
			return nil, fmt.Errorf("bad index in %s", key)
		}
	}
	var out []result
	for _, r := range results {
		if filepath.ToSlash(r.File) == file && (n < 0 || r.Index == n) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("apiguard check reported no object for %s", key)
	}
	return out, nil
}

// concernTally is the summary of one concern.
type concernTally struct {
	cases, agree, recorded, failed int
}

// TestPeerCases checks every peer case per concern and keeps the recorded disagreements
// honest: each must still disagree, with the verdict recorded.
func TestPeerCases(t *testing.T) {
	start := time.Now()
	root, dir := peerDir(t)
	cases := loadCases(t, dir)
	recordsPath := filepath.Join(root, "test", "peercases", "disagreements.yaml")
	b, err := os.ReadFile(recordsPath)
	if err != nil {
		t.Fatal(err)
	}
	var records recordsFile
	if err := yaml.UnmarshalStrict(b, &records); err != nil {
		t.Fatalf("%s: %v", recordsPath, err)
	}

	ctx := context.Background()
	lib, err := loadLibrary(ctx, root)
	if err != nil {
		t.Fatalf("the policy library does not load: %v", err)
	}
	cases, uncoveredCases, problems := assign(cases, records.Assignments, lib, peerKinds(dir))
	for _, p := range problems {
		t.Error(p)
	}
	bin, err := kubetest.Build(ctx, "./cmd/apiguard", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// One check per unit and data file; two at a time.
	runs := map[checkRun][]result{}
	for _, c := range slices.Concat(cases, uncoveredCases) {
		if c.Data != "" {
			if _, err := os.Stat(filepath.Join(dir, c.Data)); err != nil {
				t.Fatalf("%s: data file: %v", c.id(), err)
			}
		}
		runs[checkRun{unit(c.key), c.Data}] = nil
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var runErrs []error
	sem := make(chan struct{}, 2)
	// The goroutines write runs, so range over a copy of its keys.
	keys := make([]checkRun, 0, len(runs))
	for r := range runs {
		keys = append(keys, r)
	}
	for _, r := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out, err := runCheck(ctx, bin, dir, filepath.Join(root, "policies"), r)
			mu.Lock()
			defer mu.Unlock()
			runs[r] = out
			if err != nil {
				runErrs = append(runErrs, err)
			}
		}()
	}
	wg.Wait()
	if len(runErrs) > 0 {
		// The same policy error usually breaks every run: show a few.
		t.Fatalf("%d of %d apiguard check runs failed; the first:\n%v", len(runErrs), len(runs), errors.Join(runErrs[:min(3, len(runErrs))]...))
	}

	var uncovered []string
	for _, c := range uncoveredCases {
		// Not scored, but what apiguard says now shows where new policies reach.
		objects, err := objectsOf(c.key, runs[checkRun{unit(c.key), c.Data}])
		if err != nil {
			t.Error(err)
			continue
		}
		uncovered = append(uncovered, fmt.Sprintf("%s (peer %s; apiguard %s): %s", c.key, c.PeerVerdict, overall(objects), c.Note))
	}

	tallies := map[string]*concernTally{}
	used := map[string]bool{}
	assignedCount := 0
	for _, c := range cases {
		if c.Role == "inventory" {
			continue // context for the cases beside it, not judged
		}
		objects, err := objectsOf(c.key, runs[checkRun{unit(c.key), c.Data}])
		if err != nil {
			t.Error(err)
			continue
		}
		got, err := verdict(c, objects)
		if err != nil {
			t.Errorf("%s: %v", c.id(), err)
			continue
		}
		if c.assigned {
			assignedCount++
		}
		tl := tallies[c.Concern]
		if tl == nil {
			tl = &concernTally{}
			tallies[c.Concern] = tl
		}
		tl.cases++
		want := c.want()
		rec, recorded := records.Disagreements[c.id()]
		used[c.id()] = recorded
		switch {
		case want == "either" || got == want:
			if recorded {
				tl.failed++
				t.Errorf("stale record %q: apiguard now says %s, which the case accepts (want %s); remove it from disagreements.yaml", c.id(), got, want)
				continue
			}
			tl.agree++
		case recorded && rec.Verdict == got:
			tl.recorded++
			if rec.Want != want || rec.Flips != c.Fault {
				t.Errorf("record %q: want %s and flips %v must mirror the case (want %s, apiguard_fault %v)", c.id(), rec.Want, rec.Flips, want, c.Fault)
			}
		case recorded:
			tl.failed++
			t.Errorf("%s: apiguard says %s, the record says %s (want %s): update disagreements.yaml", c.id(), got, rec.Verdict, want)
		default:
			tl.failed++
			reason := c.Judgement
			if reason == "" {
				reason = "<why apiguard is right, or what is being fixed>"
			}
			t.Errorf("unrecorded disagreement: %s: apiguard says %s, the case wants %s (peer %s: %s)\n%s\nrecord it in disagreements.yaml with a reason:\n  %q:\n    verdict: %s\n    want: %s\n    reason: %q",
				c.id(), got, want, c.PeerPolicy, c.PeerVerdict, describe(objects, c), c.id(), got, want, reason)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(records.Disagreements)) {
		if _, ok := used[id]; !ok {
			t.Errorf("stale record %q: external-expect.json has no such scored case; remove it from disagreements.yaml", id)
		}
	}

	total := concernTally{}
	for _, concern := range slices.Sorted(maps.Keys(tallies)) {
		tl := tallies[concern]
		t.Logf("%-28s %3d cases, %3d agree, %2d recorded disagreements%s", concern, tl.cases, tl.agree, tl.recorded, failedNote(tl.failed))
		total.cases += tl.cases
		total.agree += tl.agree
		total.recorded += tl.recorded
		total.failed += tl.failed
	}
	for _, u := range uncovered {
		t.Logf("uncovered (reported, not scored): %s", u)
	}
	t.Logf("peer cases: %d scored in %d concerns (%d of them assigned in disagreements.yaml to cases the shared file calls uncovered), %d agree, %d recorded disagreements, %d failing; %d uncovered; %d apiguard check runs in %s",
		total.cases, len(tallies), assignedCount, total.agree, total.recorded, total.failed, len(uncovered), len(runs), time.Since(start).Round(time.Millisecond))
}

// overall is everything apiguard said of objects: the denying and warning policies.
func overall(objects []result) string {
	var deny, warn []string
	for _, r := range objects {
		if r.Error != "" {
			return "error"
		}
		for _, f := range r.findings() {
			if f.warn {
				warn = append(warn, f.policy)
			} else {
				deny = append(deny, f.policy)
			}
		}
	}
	out := "allows"
	if len(deny) > 0 {
		out = "denies with " + strings.Join(slices.Compact(slices.Sorted(slices.Values(deny))), ", ")
	}
	if len(warn) > 0 {
		out += ", warns with " + strings.Join(slices.Compact(slices.Sorted(slices.Values(warn))), ", ")
	}
	return out
}

func failedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d FAILING", n)
}

// describe lists what the case's objects got, for an unrecorded disagreement.
func describe(objects []result, c peerCase) string {
	var lines []string
	for _, r := range objects {
		if r.Error != "" {
			lines = append(lines, fmt.Sprintf("  %s#%d %s %s: error: %s", r.File, r.Index, r.Kind, r.Name, r.Error))
			continue
		}
		for _, f := range r.findings() {
			if slices.Contains(c.OurPolicies, f.policy) {
				kind := "deny"
				if f.warn {
					kind = "warn"
				}
				lines = append(lines, fmt.Sprintf("  %s#%d %s [%s] %s: %s", r.File, r.Index, kind, f.policy, r.Name, f.message))
			}
		}
	}
	if len(lines) == 0 {
		return "  (none of its policies said anything)"
	}
	return strings.Join(lines, "\n")
}
