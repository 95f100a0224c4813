package yamledit

import yaml "go.yaml.in/yaml/v3"

// votes counts the indentation a YAML text uses for nested block mappings
// (columns between a key and its children) and block sequences (columns
// between a key and the "-" of its items, 0 for indentless sequences).
type votes struct {
	step, seq map[int]int
}

func (v *votes) count(t *tree) {
	for _, n := range t.order {
		if n.Kind != yaml.MappingNode || isFlow(n) {
			continue
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if val.Line <= k.Line || hasProps(val) || isFlow(val) {
				continue
			}
			d := val.Column - k.Column
			switch {
			case val.Kind == yaml.MappingNode && d > 0:
				v.step[d]++
			case val.Kind == yaml.SequenceNode && d >= 0:
				v.seq[d]++
			}
		}
	}
}

// pick returns the most common indentation of each kind, or fallback's
// when the text has none; ties go to the smaller one.
func (v votes) pick(fallback layout) layout {
	l := fallback
	if d, ok := mostCommon(v.step); ok {
		l.step = d
	}
	if d, ok := mostCommon(v.seq); ok {
		l.seq = d
	}
	return l
}

func mostCommon(counts map[int]int) (int, bool) {
	best, bestN := 0, 0
	for d, n := range counts {
		if n > bestN || n == bestN && d < best {
			best, bestN = d, n
		}
	}
	return best, bestN > 0
}

// fileVotes counts over every YAML document of a file, for documents that
// have no nested collection of their own to copy.
func fileVotes(data []byte, segs []segment) votes {
	v := votes{step: map[int]int{}, seq: map[int]int{}}
	for _, s := range segs {
		if s.blank {
			continue
		}
		if t, err := parseTree(data[s.start:s.end]); err == nil {
			v.count(t)
		}
	}
	return v
}
