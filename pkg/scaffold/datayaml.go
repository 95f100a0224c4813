package scaffold

import (
	"fmt"
	"slices"
	"strings"
)

// DataYAML writes the policy tree's data.yaml: data.apiguard.config with every key of
// keys commented out under its group, with its default and the policies that read it.
// As written it sets nothing but an empty enforcement map, so the library's defaults
// apply; uncommenting a key (and its group line) sets it.
func DataYAML(keys []ConfigKey) []byte {
	var b strings.Builder
	b.WriteString(`# Configuration of the apiguard policy library: data.apiguard.config, read by the
# webhook (--git-path policies), apiguard check and apiguard test.
#
# Every key the bundled library reads is listed below, commented out, with its default
# and the policies that read it (policies/README.md explains each). As written, nothing
# is set and every default applies. To change a key, uncomment it and its group line.
# Values for one cluster go in clusters/<name>/data.yaml (the webhook's --cluster-name),
# or in the chart's config value.
apiguard:
  config:
    # The action of every policy ("*": the rollout stage) and per-policy overrides:
    # deny, warn, dryrun or off. The chart's enforcement value sets "*".
    enforcement: {}
    #   "*": deny
    #   ingress.require_owner_label: warn
    #
    # Namespaces (globs) no policy judges.
    # exemptNamespaces: []
`)
	groups := map[string][]ConfigKey{}
	var order []string
	for _, k := range keys {
		group, _, nested := strings.Cut(k.Path, ".")
		if !nested {
			group = ""
		}
		if _, ok := groups[group]; !ok {
			order = append(order, group)
		}
		groups[group] = append(groups[group], k)
	}
	slices.Sort(order)
	for _, g := range order {
		b.WriteString("    #\n")
		indent := "    # "
		if g != "" {
			fmt.Fprintf(&b, "    # %s:\n", g)
			indent = "    #   "
		}
		for _, k := range groups[g] {
			name := k.Path
			if g != "" {
				name = strings.TrimPrefix(k.Path, g+".")
			}
			about := "read by " + strings.Join(k.Policies, ", ")
			if k.Note != "" {
				about = strings.ReplaceAll(k.Note, "`", "") + "; " + about
			}
			for _, line := range wrap(about, 84-len(indent)) {
				fmt.Fprintf(&b, "%s# %s\n", indent, line)
			}
			if k.Default != "" {
				fmt.Fprintf(&b, "%s%s: %s\n", indent, name, k.Default)
			} else {
				fmt.Fprintf(&b, "%s%s:\n", indent, name)
			}
		}
	}
	return []byte(b.String())
}

// wrap breaks text into lines of at most width bytes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	var cur string
	for _, w := range strings.Fields(text) {
		if cur != "" && len(cur)+1+len(w) > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}
