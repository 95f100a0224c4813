package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// checkArrayIndices refuses an add whose path indexes past the end of an array, or into
// an array that does not exist yet at any index but 0. json-patch, told to create
// missing parents, pads such arrays with nulls: a policy proposing /spec/x/100000000
// would make every request allocate a hundred million elements.
func checkArrayIndices(tree any, pointer string) error {
	tokens := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	cur, exists := tree, true
	for i, tok := range tokens {
		last := i == len(tokens)-1
		switch node := cur.(type) {
		case map[string]any:
			tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
			cur, exists = node[tok]
			continue
		case []any:
			if tok == "-" && last {
				return nil
			}
			idx, err := strconv.Atoi(tok)
			limit := len(node) - 1
			if last {
				limit = len(node) // inserting at the end is allowed
			}
			if err != nil || idx < 0 || idx > limit || tok != strconv.Itoa(idx) {
				return fmt.Errorf("add %s: array index %q is out of range (length %d)", pointer, tok, len(node))
			}
			if last {
				return nil
			}
			cur = node[idx]
			continue
		}
		if !exists || cur == nil {
			// The rest of the path will be created: only index 0 (or "-") is an index
			// into a new array that needs no padding.
			for _, rest := range tokens[i:] {
				if n, err := strconv.Atoi(rest); err == nil && n != 0 {
					return fmt.Errorf("add %s: index %s into an array that does not exist", pointer, rest)
				}
			}
		}
		return nil
	}
	return nil
}
