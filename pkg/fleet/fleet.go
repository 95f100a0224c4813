// Package fleet is the view across clusters: it reads each cluster's webhook /status and
// /audit, and compares them, so a platform team sees at once which clusters run which
// policy revision, which are stale or failing to sync, and which have findings the
// others lack.
package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/apiguard/apiguard/pkg/audit"
	"github.com/apiguard/apiguard/pkg/policysync"
)

// Fetcher reads one document from a cluster's webhook health listener: /status or
// /audit. It returns the body and the HTTP status.
type Fetcher interface {
	Get(ctx context.Context, path string, query url.Values) ([]byte, int, error)
	// Endpoint says how the webhook is reached, for the report.
	Endpoint() string
}

// SyncError is the last failed policy sync.
type SyncError struct {
	Time     time.Time `json:"time"`
	Result   string    `json:"result"`
	Revision string    `json:"revision,omitempty"`
	Error    string    `json:"error"`
}

// Audit is a cluster's last audit run, summarised.
type Audit struct {
	Auditor    string    `json:"auditor"`
	Revision   string    `json:"revision"`
	FinishedAt time.Time `json:"finishedAt"`
	Objects    int       `json:"objects"`
	Findings   int       `json:"findings"`
	// Summary counts findings by policy, then action (deny, warn, dryrun, patch).
	Summary map[string]map[string]int `json:"summary"`
}

// Cluster is one row of the fleet view. Its keys are part of `apiguard status -o json`:
// new ones go at the end.
type Cluster struct {
	Name          string     `json:"name"`
	Endpoint      string     `json:"endpoint"`
	Revision      string     `json:"revision"`
	ShortRevision string     `json:"shortRevision"`
	Source        string     `json:"source"`
	ActivatedAt   *time.Time `json:"activatedAt,omitempty"`
	LastSuccess   *time.Time `json:"lastSuccess,omitempty"`
	// Staleness is the time since the source last confirmed the active revision.
	Staleness   string     `json:"staleness,omitempty"`
	Stale       bool       `json:"stale"`
	StaleReason string     `json:"staleReason,omitempty"`
	LastError   *SyncError `json:"lastError,omitempty"`
	Audit       *Audit     `json:"audit,omitempty"`
	// AuditError says why there is no audit: off, not run yet, unreachable.
	AuditError string `json:"auditError,omitempty"`
	// Error is set when the webhook's status could not be read at all.
	Error string `json:"error,omitempty"`
	// ExpiringExceptions are the PolicyExceptions that expire within the cluster's warning
	// window (or have expired and are still in its tree).
	ExpiringExceptions []policysync.ExceptionStatus `json:"expiringExceptions,omitempty"`
}

// Read fetches one cluster's status and audit summary. Failures are recorded in the
// Cluster, never returned: one unreachable cluster must not hide the others.
func Read(ctx context.Context, name string, f Fetcher, now time.Time) Cluster {
	c := Cluster{Name: name, Endpoint: f.Endpoint()}
	var st policysync.Status
	if err := getJSON(ctx, f, "/status", nil, &st, http.StatusServiceUnavailable); err != nil {
		c.Error = err.Error()
		return c
	}
	c.Revision, c.ShortRevision, c.Source = st.Revision, st.ShortRevision, st.Source
	c.ActivatedAt, c.LastSuccess, c.Stale, c.StaleReason = st.ActivatedAt, st.LastSuccess, st.Stale, st.StaleReason
	if st.LastSuccess != nil {
		c.Staleness = now.Sub(*st.LastSuccess).Round(time.Second).String()
	}
	window := time.Duration(st.ExceptionWarnDays) * 24 * time.Hour
	for _, e := range st.Exceptions {
		if e.Expires.Sub(now) <= window {
			c.ExpiringExceptions = append(c.ExpiringExceptions, e)
		}
	}
	if st.LastError != nil {
		c.LastError = &SyncError{Time: st.LastError.Time, Result: st.LastError.Result, Revision: st.LastError.Revision, Error: st.LastError.Error}
	}
	// The summary is complete on every page; one entry is enough.
	var p audit.Page
	if err := getJSON(ctx, f, "/audit", url.Values{"limit": {"1"}}, &p); err != nil {
		c.AuditError = err.Error()
		return c
	}
	findings := 0
	for _, actions := range p.Summary {
		for _, n := range actions {
			findings += n
		}
	}
	c.Audit = &Audit{Auditor: p.Auditor, Revision: p.Revision, FinishedAt: p.FinishedAt, Objects: p.Objects, Findings: findings, Summary: p.Summary}
	return c
}

// getJSON decodes a document; a status other than 200 (or one of also) is an error
// carrying the webhook's or the API server's own message when there is one.
func getJSON(ctx context.Context, f Fetcher, path string, query url.Values, v any, also ...int) error {
	body, status, err := f.Get(ctx, path, query)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// The API server's proxy answers with a metav1.Status of its own (no RBAC, no
	// ready pod); the webhook with {"error": ...}.
	var doc struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	_ = json.Unmarshal(body, &doc)
	ok := status == http.StatusOK
	for _, s := range also {
		ok = ok || status == s
	}
	switch {
	case doc.Kind == "Status":
		return fmt.Errorf("%s: HTTP %d from the API server: %s", path, status, doc.Message)
	case !ok && doc.Error != "":
		return fmt.Errorf("%s: HTTP %d: %s", path, status, doc.Error)
	case !ok:
		return fmt.Errorf("%s: HTTP %d: %.200s", path, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
