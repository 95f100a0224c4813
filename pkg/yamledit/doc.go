// Package yamledit writes JSON-patch "add" operations back into the YAML
// manifests they were computed from, for `apiguard check --fix`, and renders
// the result as a unified diff for `--diff`.
//
// Re-encoding a document would lose comments, key order and quoting, so
// edits are textual: the document is parsed with go.yaml.in/yaml/v3 only to
// learn where each node is, and new keys and items are inserted as new lines
// at the end of their parent, indented like their siblings. Every line the
// patch does not touch stays byte-identical.
//
// Flow collections are edited in place in flow style ("{a: b}" becomes
// "{a: b, c: d}"), except that an empty "{}" or "[]" that is the value of a
// block mapping key becomes a block collection, which is how such defaults
// (Helm's "securityContext: {}") are normally filled in.
//
// JSON documents (a stream whose first non-blank byte is '{' or '[', as
// pkg/manifest decides) have no comments to keep, so an edited JSON document
// is re-encoded: key order and the spelling of untouched values are kept,
// whitespace is normalised to the indentation the document used (or to
// compact JSON when the document was on one line).
//
// Before an edited document is returned it is decoded again the way kubectl
// decodes it (sigs.k8s.io/yaml, YAML 1.1) and compared with the result of
// applying the patch to the decoded original; any difference is an error,
// so a construct the editor mishandles can never silently change a file.
package yamledit
