package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apiguard/apiguard/pkg/report"
)

// WriteJSON renders the view for dashboards.
func WriteJSON(w io.Writer, v View) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteText renders the view as tables: one row per cluster, then findings by policy
// with a column per cluster, then the drift. A value that differs from the other
// clusters' is marked with "*".
func WriteText(w io.Writer, v View, now time.Time) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	majority := majorityRevision(v)
	fmt.Fprintln(tw, "CLUSTER\tREVISION\tSOURCE\tSYNCED\tLAST SYNC ERROR\tAUDIT\tFINDINGS")
	for _, c := range v.Clusters {
		if c.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\tunreachable: %s\n", c.Name, oneLine(c.Error, 80))
			continue
		}
		rev := c.ShortRevision
		if len(v.Revisions) > 1 && c.Revision != majority {
			rev += "*"
		}
		synced := "never"
		if c.Staleness != "" {
			synced = c.Staleness + " ago"
		}
		if c.Stale {
			synced += " (stale)"
		}
		lastErr := "-"
		if c.LastError != nil {
			lastErr = fmt.Sprintf("%s %s ago: %s", c.LastError.Result, now.Sub(c.LastError.Time).Round(time.Second), oneLine(c.LastError.Error, 60))
		}
		auditCol, findings := "-", "-"
		if c.Audit != nil {
			auditCol = fmt.Sprintf("%s ago, %s", now.Sub(c.Audit.FinishedAt).Round(time.Second), report.Count(c.Audit.Objects, "object"))
			findings = totals(c.Audit.Summary)
		} else if c.AuditError != "" {
			auditCol = "unavailable"
			findings = oneLine(c.AuditError, 60)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, rev, c.Source, synced, lastErr, auditCol, findings)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writePolicies(&b, v)
	writeExpiring(&b, v, now)
	if len(v.Drift) == 0 {
		b.WriteString("\nNo drift: every cluster runs the same revision with the same kinds of findings.\n")
	} else {
		b.WriteString("\nDrift:\n")
		for _, d := range v.Drift {
			fmt.Fprintf(&b, "  * %s\n", d.Message)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writePolicies prints findings by policy and action, a column per audited cluster.
func writePolicies(b *strings.Builder, v View) {
	var names []string
	rows := map[string]map[string]int{}
	for _, c := range v.Clusters {
		if c.Audit == nil {
			continue
		}
		names = append(names, c.Name)
		for pol, actions := range c.Audit.Summary {
			for action, n := range actions {
				if n == 0 {
					continue
				}
				row := pol + " (" + action + ")"
				if rows[row] == nil {
					rows[row] = map[string]int{}
				}
				rows[row][c.Name] += n
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "POLICY (ACTION)\t%s\n", strings.Join(names, "\t"))
	for _, row := range slices.Sorted(maps.Keys(rows)) {
		cells := make([]string, 0, len(names))
		some, none := false, false
		for _, n := range names {
			some, none = some || rows[row][n] > 0, none || rows[row][n] == 0
		}
		for _, n := range names {
			cell := fmt.Sprint(rows[row][n])
			if some && none && rows[row][n] > 0 {
				cell += "*"
			}
			cells = append(cells, cell)
		}
		fmt.Fprintf(tw, "%s\t%s\n", row, strings.Join(cells, "\t"))
	}
	_ = tw.Flush()
}

// majorityRevision is the revision more than half the clusters run, so the odd ones
// out get the mark; "" when there is none, and then every revision is marked.
func majorityRevision(v View) string {
	total := 0
	for _, names := range v.Revisions {
		total += len(names)
	}
	for rev, names := range v.Revisions {
		if 2*len(names) > total {
			return rev
		}
	}
	return ""
}

func totals(summary map[string]map[string]int) string {
	sum := map[string]int{}
	for _, actions := range summary {
		for a, n := range actions {
			sum[a] += n
		}
	}
	if len(sum) == 0 {
		return "none"
	}
	var parts []string
	for _, a := range []string{"deny", "warn", "dryrun", "patch"} {
		if sum[a] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", a, sum[a]))
			delete(sum, a)
		}
	}
	for _, a := range slices.Sorted(maps.Keys(sum)) {
		if sum[a] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", a, sum[a]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

// writeExpiring lists the PolicyExceptions that expire soon, or have expired, per
// cluster: findings they allow come back when they do.
func writeExpiring(b *strings.Builder, v View, now time.Time) {
	first := true
	for _, c := range v.Clusters {
		for _, e := range c.ExpiringExceptions {
			if first {
				b.WriteString("\nPolicyExceptions expiring:\n")
				first = false
			}
			when := "expires in " + e.Expires.Sub(now).Round(time.Hour).String()
			if !e.Expires.After(now) {
				when = "expired " + now.Sub(e.Expires).Round(time.Hour).String() + " ago"
			}
			ticket := ""
			if e.Ticket != "" {
				ticket = ", ticket " + e.Ticket
			}
			fmt.Fprintf(b, "  * %s: %s (%s%s) %s\n", c.Name, e.Name, strings.Join(e.Policies, ", "), ticket, when)
		}
	}
}
