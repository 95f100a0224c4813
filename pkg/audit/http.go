package audit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apiguard/apiguard/pkg/policy"
)

// Page sizes of /audit.
const (
	DefaultPageLimit = 500
	MaxPageLimit     = 5000
)

// Page is the /audit document: the last run's summary and one page of its entries. Its
// keys are part of the /audit format: new ones go at the end, omitted when empty.
type Page struct {
	Auditor       string    `json:"auditor"`
	Revision      string    `json:"revision"`
	ShortRevision string    `json:"shortRevision"`
	StartedAt     time.Time `json:"startedAt"`
	FinishedAt    time.Time `json:"finishedAt"`
	Duration      string    `json:"duration"`
	Objects       int       `json:"objects"`
	Skipped       int       `json:"skipped"`
	Errors        int       `json:"errors"`
	// Total counts the run's entries; Truncated is set when more than the cap were
	// found and only the first ones (in sort order) are kept.
	Total     int  `json:"total"`
	Truncated bool `json:"truncated"`
	// Summary counts findings by policy, then action; it is complete even when the
	// entries are truncated.
	Summary map[string]map[string]int `json:"summary"`
	Items   []Entry                   `json:"items"`
	// Continue, when set, fetches the next page (?continue=...). It names the run: once
	// a newer run is published it answers 410 Gone, and the reader starts again.
	Continue string `json:"continue,omitempty"`
}

// ErrorDoc is the /audit answer when there is no report to page through.
type ErrorDoc struct {
	Error  string `json:"error"`
	Leader string `json:"leader,omitempty"`
}

// forwardedHeader marks a request one replica passed to the leader, so the leader never
// passes it on again (leadership may have moved meanwhile).
const forwardedHeader = "X-Apiguard-Audit-Forwarded"

// maxForwardedBytes bounds the answer a replica relays from the leader: a full page of
// the longest entries is a few MiB.
const maxForwardedBytes = 32 << 20

// ServeHTTP serves /audit. A replica that does not audit passes the request to the one
// holding the lease, so the Service (and `apiguard status` through the API server's
// service proxy) may reach any replica.
func (a *Auditor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, ErrorDoc{Error: "use GET"})
		return
	}
	rep, leading := a.state()
	if !leading && r.Header.Get(forwardedHeader) == "" {
		a.forward(w, r)
		return
	}
	if rep == nil {
		writeJSON(w, http.StatusServiceUnavailable, ErrorDoc{Error: "no audit run has finished yet", Leader: a.leaderIdentity()})
		return
	}
	p, status, err := pageOf(rep, r.URL.Query())
	if err != nil {
		writeJSON(w, status, ErrorDoc{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// pageOf cuts one page out of a report.
func pageOf(rep *Report, q url.Values) (Page, int, error) {
	limit := DefaultPageLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return Page{}, http.StatusBadRequest, fmt.Errorf("limit %q: want a positive number (at most %d)", s, MaxPageLimit)
		}
		limit = min(n, MaxPageLimit)
	}
	offset := 0
	if tok := q.Get("continue"); tok != "" {
		id, off, err := parseContinue(tok)
		if err != nil {
			return Page{}, http.StatusBadRequest, err
		}
		if id != rep.ID || off > len(rep.Entries) {
			return Page{}, http.StatusGone, fmt.Errorf("the continue token belongs to an earlier audit run; start again without it")
		}
		offset = off
	}
	end := min(offset+limit, len(rep.Entries))
	p := Page{
		Auditor: rep.Auditor, Revision: rep.Revision, ShortRevision: policy.ShortRevision(rep.Revision),
		StartedAt: rep.StartedAt, FinishedAt: rep.FinishedAt, Duration: rep.Duration().Round(time.Millisecond).String(),
		Objects: rep.Objects, Skipped: rep.Skipped, Errors: rep.Errors,
		Total: rep.Total, Truncated: rep.Total > len(rep.Entries),
		Summary: rep.Summary(),
		Items:   append([]Entry{}, rep.Entries[offset:end]...),
	}
	if end < len(rep.Entries) {
		p.Continue = formatContinue(rep.ID, end)
	}
	return p, http.StatusOK, nil
}

func formatContinue(id int64, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + ":" + strconv.Itoa(offset)))
}

func parseContinue(tok string) (int64, int, error) {
	bad := fmt.Errorf("continue %q is not a token from /audit", tok)
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, 0, bad
	}
	idStr, offStr, ok := strings.Cut(string(raw), ":")
	id, err1 := strconv.ParseInt(idStr, 10, 64)
	off, err2 := strconv.Atoi(offStr)
	if !ok || err1 != nil || err2 != nil || off < 0 {
		return 0, 0, bad
	}
	return id, off, nil
}

// forward relays the request to the leader's /audit.
func (a *Auditor) forward(w http.ResponseWriter, r *http.Request) {
	leader := a.leaderIdentity()
	addr := addressOf(leader)
	if addr == "" {
		msg := "this replica does not audit and no auditing replica is known yet"
		if leader != "" {
			msg = "this replica does not audit, and the auditing replica advertises no address"
		}
		writeJSON(w, http.StatusServiceUnavailable, ErrorDoc{Error: msg, Leader: leader})
		return
	}
	// Only a host:port comes from the lease; the scheme and path are fixed, and the
	// query is the reader's own.
	target := url.URL{Scheme: "http", Host: addr, Path: "/audit", RawQuery: r.URL.RawQuery}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, target.String(), nil)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, ErrorDoc{Error: "forward to the auditing replica: " + err.Error(), Leader: leader})
		return
	}
	req.Header.Set(forwardedHeader, "1")
	resp, err := a.client.Do(req)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, ErrorDoc{Error: "forward to the auditing replica: " + err.Error(), Leader: leader})
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, maxForwardedBytes))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
