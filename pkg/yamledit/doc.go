// Package yamledit writes the secure-default patches of the mutating
// policies (JSON-patch "add" operations) back into the manifest files they
// were computed from, for `apiguard check --fix` and `--diff` (whose diff
// internal/unifieddiff writes), and finds the line of a field for findings.
//
// Re-encoding a document would lose comments, key order and quoting, so
// edits are textual: go.yaml.in/yaml/v3 parses the document only to learn
// where each node is, and new keys and items are inserted as new lines at
// the end of their parent, indented like their siblings. Nested mappings
// and sequences copy the indentation the document (or else the file) uses,
// including kubectl's indentless "key:\n- item". Every line the patch does
// not touch stays byte-identical, line endings included. The few lines that
// are rewritten are null values ("key:", "key: ~"), which get the value,
// and empty flow collections, below.
//
// Flow collections are edited in place in flow style ("{a: b}" becomes
// "{a: b, c: d}"), except that an empty "{}" or "[]" that is the value of
// a block mapping key (Helm's "securityContext: {}", also when "{}" sits on
// a line of its own) becomes a block collection.
//
// JSON documents (a stream whose first non-blank byte is '{' or '[', as
// pkg/manifest decides) have no comments to keep, so an edited JSON
// document is re-encoded: key order and the spelling of untouched values
// are kept, whitespace becomes the indentation the document used (or
// compact JSON when it was on one line). Documents the patch leaves alone
// are not touched.
//
// Before an edited document is returned it is decoded again the way kubectl
// decodes it (sigs.k8s.io/yaml, YAML 1.1) and compared with the patch
// applied to the decoded original, so a construct the editor mishandles
// fails the edit rather than silently changing a file. Constructs it will
// not edit (anchors used by aliases, merge keys, explicit "?" keys, arrays
// padded with nulls, ...) give errors wrapping ErrUnsupported.
package yamledit
