package batch

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"strings"
	"sync"

	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/references"
	"github.com/apiguard/apiguard/pkg/report"
	"github.com/apiguard/apiguard/pkg/yamledit"
)

// locate gives each result what the formats that point at a line need, so SARIF and
// GitHub annotations land on the offending field. A finding names its field in
// Details["field"]; when it does not, the policy's declared field (METADATA
// custom.field) is used. FieldLine finds a field in the object's own document;
// FieldLocation finds a field of a Tyk OAS document (x-tyk-api-gateway…,
// x-tyk-streaming…) in the ConfigMap that holds it, when that ConfigMap is among the
// accepted entries: for a ConfigMap's own findings, and for those of a
// TykOasApiDefinition, TykStreamsApiDefinition or TykMcpProxyDefinition judged through
// the ConfigMap it names. Files are read once, on first use.
func (b Evaluator) locate(results []report.Result, entries []manifest.Entry, rejected []error) {
	declared := map[string]string{}
	for _, p := range b.Set.Policies() {
		if p.Field != "" {
			declared[p.ID] = p.Field
		}
	}
	src := &sourceFiles{files: map[string][]byte{}}
	configMaps := map[string]manifest.Document{}
	for i, e := range entries {
		if d := e.Document; d != nil && rejected[i] == nil && isConfigMap(*d) {
			configMaps[namespaceOr(d.Namespace(), b.Namespace)+"/"+d.Name()] = *d
		}
	}
	for i := range results {
		r := &results[i]
		if r.File == "-" || entries[i].Document == nil || rejected[i] != nil {
			continue
		}
		for j := range r.Decision.Violations {
			v := &r.Decision.Violations[j]
			v.Details = withField(v.Details, declared[v.Policy])
		}
		for j := range r.Decision.Warnings {
			w := &r.Decision.Warnings[j]
			w.Details = withField(w.Details, declared[w.Policy])
		}
		d, namespace := *entries[i].Document, r.Namespace
		r.FieldLine = func(field string) int {
			text := src.read(d.File)
			if text == nil {
				return 0 // unreadable now: the formats fall back to the document's line
			}
			return yamledit.FieldLine(text, d.Index, d.Item, field)
		}
		r.FieldLocation = func(field string) (report.Location, bool) {
			field, ok := documentField(field)
			if !ok {
				return report.Location{}, false
			}
			if isConfigMap(d) {
				key, ok := documentKey(configMapData(d), field)
				if !ok {
					return report.Location{}, false
				}
				return src.place(d, key, field), true
			}
			var obj map[string]any
			if json.Unmarshal(d.Raw, &obj) != nil {
				return report.Location{}, false
			}
			for _, ref := range references.ConfigMapRefs(obj, namespace) {
				if cm, ok := configMaps[ref.Namespace+"/"+ref.Name]; ok {
					if _, ok := configMapData(cm)[ref.Key]; ok {
						return src.place(cm, ref.Key, field), true
					}
				}
			}
			return report.Location{}, false
		}
	}
}

// withField returns details with "field" set to field unless it already names one. The
// map is copied: decisions may share their details.
func withField(details map[string]any, field string) map[string]any {
	if field == "" {
		return details
	}
	if _, ok := details["field"].(string); ok {
		return details
	}
	out := make(map[string]any, len(details)+1)
	maps.Copy(out, details)
	out["field"] = field
	return out
}

func isConfigMap(d manifest.Document) bool {
	return d.Kind() == "ConfigMap" && d.APIVersion() == "v1"
}

func namespaceOr(namespace, otherwise string) string {
	if namespace == "" {
		return otherwise
	}
	return namespace
}

// documentField returns the path inside a Tyk document that field names: field itself,
// or, for a declared field listing several ("spec.proxy.listen_path,
// x-tyk-api-gateway.server.listenPath.value"), the first that starts at a document's
// extension key.
func documentField(field string) (string, bool) {
	for f := range strings.SplitSeq(field, ",") {
		f = strings.TrimSpace(f)
		switch root, _, _ := strings.Cut(f, "."); root {
		case "x-tyk-api-gateway", "x-tyk-streaming":
			return f, true
		}
	}
	return "", false
}

// configMapData is the data of a ConfigMap document; values that are not strings are
// left out (the API server would reject them).
func configMapData(d manifest.Document) map[string]string {
	var cm struct {
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal(d.Raw, &cm)
	out := make(map[string]string, len(cm.Data))
	for k, v := range cm.Data {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// documentKey is the data key of a ConfigMap's own document that field is in: the one
// key whose value names the field's extension, else the only key. A ConfigMap holding
// several such documents is not placed: which one a finding is about is in its message,
// not its field.
func documentKey(data map[string]string, field string) (string, bool) {
	root, _, _ := strings.Cut(field, ".")
	var keys []string
	for k, v := range data {
		if strings.Contains(v, root) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 && len(data) == 1 {
		for k := range data {
			keys = append(keys, k)
		}
	}
	if len(keys) != 1 {
		return "", false
	}
	return keys[0], true
}

// sourceFiles reads each input file once, for every result that points into it.
type sourceFiles struct {
	mu    sync.Mutex
	files map[string][]byte
}

// read returns the file's content, nil when it cannot be read now.
func (s *sourceFiles) read(file string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.files[file]; ok {
		return b
	}
	b, _ := os.ReadFile(file)
	s.files[file] = b
	return b
}

// literalHeader reports whether line ends a mapping key with a literal block scalar
// ("key: |", "key: |-", "key: |2+ # comment"), whose lines stand in the file one for one.
func literalHeader(line []byte) bool {
	s := strings.TrimRight(string(line), "\r")
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimRight(s, " \t")
	i := strings.LastIndex(s, "|")
	if i < 0 || strings.Trim(s[i+1:], "+-123456789") != "" {
		return false
	}
	return strings.HasSuffix(strings.TrimRight(s[:i], " \t"), ":")
}

// place is where field of the document under data[key] of the ConfigMap cm stands: the
// data key's line, or, when the document is written as a literal block, the line of the
// field (or of its deepest ancestor present) inside it. The ConfigMap's own line when
// its file cannot be read (standard input).
func (s *sourceFiles) place(cm manifest.Document, key, field string) report.Location {
	loc := report.Location{File: cm.File, Line: cm.Line}
	if cm.File == "-" {
		return loc
	}
	text := s.read(cm.File)
	if text == nil {
		return loc
	}
	keyLine := yamledit.FieldLine(text, cm.Index, cm.Item, "/data/"+pointerEscape(key))
	if keyLine <= 0 {
		return loc
	}
	loc.Line = keyLine
	lines := bytes.Split(text, []byte("\n"))
	if keyLine > len(lines) || !literalHeader(lines[keyLine-1]) {
		return loc
	}
	if n := yamledit.FieldLine([]byte(configMapData(cm)[key]), 0, -1, field); n > 1 {
		loc.Line = keyLine + n
	}
	return loc
}

// pointerEscape escapes a key as a JSON pointer segment (RFC 6901).
func pointerEscape(key string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
}
