package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// answer is the part of an AdmissionReview response the harness checks.
type answer struct {
	UID     string
	Allowed bool
	// Denials and Warnings are the policy lines, without apiguard's
	// " (policy revision ...)" suffix, sorted.
	Denials  []string
	Warnings []string
}

func decodeAnswer(b []byte) (answer, error) {
	var ar struct {
		Response *struct {
			UID     string `json:"uid"`
			Allowed bool   `json:"allowed"`
			Status  *struct {
				Message string `json:"message"`
			} `json:"status"`
			Warnings []string `json:"warnings"`
		} `json:"response"`
	}
	if err := json.Unmarshal(b, &ar); err != nil {
		return answer{}, fmt.Errorf("decode AdmissionReview: %w", err)
	}
	if ar.Response == nil {
		return answer{}, fmt.Errorf("AdmissionReview without a response: %.200s", b)
	}
	a := answer{UID: ar.Response.UID, Allowed: ar.Response.Allowed, Warnings: policyLines(ar.Response.Warnings)}
	if !a.Allowed && ar.Response.Status != nil {
		a.Denials = policyLines(strings.Split(ar.Response.Status.Message, "\n"))
	}
	return a, nil
}

var revisionSuffix = regexp.MustCompile(` \(policy revision [^)]*\)$`)

func policyLines(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if l != "" {
			out = append(out, revisionSuffix.ReplaceAllString(l, ""))
		}
	}
	slices.Sort(out)
	return out
}

// verdicts is the outcome of sending the whole corpus once to every target.
type verdicts struct {
	Reviews    int            `json:"reviews"`
	Denied     map[string]int `json:"denied"` // by target
	Mismatches []string       `json:"mismatches,omitempty"`
}

// maxMismatchDetails bounds how many disagreements are spelled out; all are counted.
const maxMismatchDetails = 10

// checkVerdicts sends every review to every target and compares: apiguard and each OPA
// peer must give the same verdict with the same denial and warning lines, apiguard's must
// be the one the review was built to get, and the null webhook must echo the UID and
// admit. It doubles as the warm-up.
func checkVerdicts(ctx context.Context, ts []target, clients map[string]*http.Client, corpus []review) (verdicts, error) {
	v := verdicts{Reviews: len(corpus), Denied: map[string]int{}}
	answers := map[string][]answer{}
	for _, t := range ts {
		got, err := collectAnswers(ctx, clients[t.name], t.url, corpus)
		if err != nil {
			return v, fmt.Errorf("%s: %w", t.name, err)
		}
		answers[t.name] = got
		for _, a := range got {
			if !a.Allowed {
				v.Denied[t.name]++
			}
		}
	}
	mismatches := 0
	report := func(i int, format string, args ...any) {
		mismatches++
		if len(v.Mismatches) < maxMismatchDetails {
			r := corpus[i]
			v.Mismatches = append(v.Mismatches, fmt.Sprintf("review %d (%s, built to %s): %s", i, r.kind, describeVariant(r), fmt.Sprintf(format, args...)))
		}
	}
	for i, r := range corpus {
		ours, null := answers[targetApiguard][i], answers[targetNull][i]
		if ours.Allowed != r.wantAllowed {
			report(i, "apiguard allowed=%v %q", ours.Allowed, ours.Denials)
		}
		if !null.Allowed || ours.UID != r.uid || null.UID != r.uid {
			report(i, "UID %s answered as apiguard %q, null %q; null allowed=%v", r.uid, ours.UID, null.UID, null.Allowed)
		}
		for _, t := range ts {
			if t.name == targetApiguard || t.name == targetNull {
				continue
			}
			theirs := answers[t.name][i]
			if t.name == targetBaseline {
				// An earlier library may word its messages differently; the verdict on
				// this corpus must be the one the review was built to get.
				if theirs.UID != r.uid || theirs.Allowed != r.wantAllowed {
					report(i, "baseline (UID %q) allowed=%v %q", theirs.UID, theirs.Allowed, theirs.Denials)
				}
				continue
			}
			if theirs.UID != r.uid || ours.Allowed != theirs.Allowed || !slices.Equal(ours.Denials, theirs.Denials) || !slices.Equal(ours.Warnings, theirs.Warnings) {
				report(i, "apiguard allowed=%v %q warn %q; %s (UID %q) allowed=%v %q warn %q",
					ours.Allowed, ours.Denials, ours.Warnings, t.name, theirs.UID, theirs.Allowed, theirs.Denials, theirs.Warnings)
			}
		}
	}
	if mismatches > 0 {
		return v, fmt.Errorf("%d of %d reviews disagree; first: %s", mismatches, len(corpus), strings.Join(v.Mismatches, "\n  "))
	}
	return v, nil
}

func describeVariant(r review) string {
	if r.violation == "" {
		return "pass"
	}
	return "fail: " + r.violation
}

const verdictAttempts = 3

// collectAnswers sends the corpus with a few concurrent requests and decodes every answer.
func collectAnswers(ctx context.Context, c *http.Client, url string, corpus []review) ([]answer, error) {
	const workers = 8
	out := make([]answer, len(corpus))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(corpus) && errs[w] == nil; i += workers {
				// On a starved machine an evaluation can run past the webhook's deadline
				// and be answered 500; that is no verdict, so ask again.
				var err error
				for attempt := 0; attempt < verdictAttempts; attempt++ {
					var b []byte
					if b, err = post(ctx, c, url, corpus[i].body); err == nil {
						out[i], err = decodeAnswer(b)
						break
					}
				}
				if err != nil {
					errs[w] = fmt.Errorf("review %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
