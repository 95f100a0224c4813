package scaffold

import (
	"bufio"
	"bytes"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// ConfigKey is one parameter of the bundled library, as policies/README.md documents it.
type ConfigKey struct {
	// Path is the key under data.apiguard.config, dotted ("ingress.allowedClasses").
	Path string
	// Default is the documented default as YAML ("[]", "false", `"31536000"`), or ""
	// when the README describes it in words only ("unset: every class is public").
	Default string
	// Note is the README's description of the default, verbatim.
	Note string
	// Policies are the IDs whose rows name the key.
	Policies []string
}

// keyPattern finds a backticked key, optionally followed by its parenthesised default.
// "reads `inventory.hosts`" names data the webhook fills, not configuration, so a
// preceding "reads " excludes the key (checked by the caller).
var keyPattern = regexp.MustCompile("`([a-z][A-Za-z0-9]*(?:\\.[a-z][A-Za-z0-9]*)*)`")

// ConfigKeys reads the parameters column of every table in policies/README.md (checks
// and secure defaults), in the order the keys first appear. The README is the one place
// the parameters are documented, so the scaffold lists exactly what it lists.
func ConfigKeys(readme []byte) []ConfigKey {
	var keys []ConfigKey
	index := map[string]int{}
	column := -1
	sc := bufio.NewScanner(bytes.NewReader(readme))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "|") {
			column = -1
			continue
		}
		cells := splitRow(line)
		if column < 0 {
			// A table's header row: find its parameters column, if it has one.
			column = slices.IndexFunc(cells, func(c string) bool { return strings.HasPrefix(strings.TrimSpace(c), "parameters") })
			if column < 0 {
				column = len(cells) + 1 // a table without parameters: skip its rows
			}
			continue
		}
		if column >= len(cells) || len(cells) < 2 {
			continue
		}
		policy := strings.Trim(strings.TrimSpace(cells[0]), "`")
		for _, k := range parseParameters(cells[column]) {
			i, seen := index[k.Path]
			if !seen {
				index[k.Path] = len(keys)
				k.Policies = []string{policy}
				keys = append(keys, k)
				continue
			}
			if keys[i].Note == "" && k.Note != "" {
				keys[i].Default, keys[i].Note = k.Default, k.Note
			}
			if !slices.Contains(keys[i].Policies, policy) {
				keys[i].Policies = append(keys[i].Policies, policy)
			}
		}
	}
	return keys
}

// splitRow splits a Markdown table row on its unescaped pipes, dropping the outer ones.
func splitRow(line string) []string {
	var cells []string
	var cur strings.Builder
	inCode := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case c == '`':
			inCode = !inCode
			cur.WriteByte(c)
		case c == '|' && !inCode:
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if len(cells) > 0 {
		cells = cells[1:] // before the first pipe
	}
	return cells
}

// parseParameters reads one parameters cell: "`a.b` (`[]`, globs), `c` (unset: off)".
// A key's parenthesised note is skipped whole, so the values it mentions (`true`) are
// never taken for keys.
func parseParameters(cell string) []ConfigKey {
	var out []ConfigKey
	for rest := cell; ; {
		m := keyPattern.FindStringSubmatchIndex(rest)
		if m == nil {
			return out
		}
		path := rest[m[2]:m[3]]
		before := strings.TrimSpace(rest[:m[0]])
		after := rest[m[1]:]
		var note string
		if strings.HasPrefix(after, " (") {
			if n, ok := balanced(after[1:]); ok {
				note = n
				after = after[1+len(n)+2:]
			}
		}
		rest = after
		if strings.HasSuffix(before, "reads") || strings.HasPrefix(path, "inventory.") {
			continue
		}
		out = append(out, ConfigKey{Path: path, Note: note, Default: defaultOf(note)})
	}
}

// balanced returns the text inside the parenthesis s starts with.
func balanced(s string) (string, bool) {
	depth := 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[1:i], true
			}
		}
	}
	return "", false
}

// defaultOf takes a default written first and in backticks, if it is valid YAML: "`[]`,
// globs" gives "[]"; words ("unset: off") give "".
func defaultOf(note string) string {
	if !strings.HasPrefix(note, "`") {
		return ""
	}
	end := strings.Index(note[1:], "`")
	if end < 0 {
		return ""
	}
	v := note[1 : end+1]
	var parsed any
	if err := yaml.Unmarshal([]byte(v), &parsed); err != nil {
		return ""
	}
	return v
}
