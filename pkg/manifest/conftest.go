package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// ConftestDocument is one input as conftest sees it: a YAML document, or an element of
// a file whose content is a top-level array.
type ConftestDocument struct {
	File  string // path as given, or joined to the walked directory; "-" for stdin
	Index int    // the document's (or array element's) position in the file, from 0
	Line  int    // 1-based line the document starts on; 0 for array elements
	Value any    // the decoded document, JSON types
}

// ReadConftest reads files, directories and "-" (stdin, parsed as YAML) the way conftest
// does for YAML and JSON, for apiguard check --conftest, which runs conftest policies on
// the raw documents. Unlike Read, a List stays one input, a top-level array is one input
// per element, and the first problem ends the read, as in conftest. ignore holds
// Options.Ignore's patterns.
func ReadConftest(args []string, stdin io.Reader, ignore []string) ([]ConftestDocument, error) {
	if err := checkIgnore(ignore); err != nil {
		return nil, err
	}
	var docs []ConftestDocument
	for _, arg := range args {
		files, err := conftestFiles(arg, ignore)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			var b []byte
			if f == "-" {
				b, err = io.ReadAll(stdin)
			} else {
				b, err = os.ReadFile(f)
			}
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", f, err)
			}
			parsed, err := parseConftestFile(f, b)
			if err != nil {
				return nil, fmt.Errorf("parse %s: %w", f, err)
			}
			docs = append(docs, parsed...)
		}
	}
	if len(docs) == 0 {
		return nil, errors.New("no files found")
	}
	return docs, nil
}

// conftestFiles expands one argument. Directories are walked in lexical order for
// .yaml, .yml and .json files, hidden ones included as in conftest; --ignore globs
// match the path relative to the directory or the base name, as in normal mode.
func conftestFiles(arg string, ignore []string) ([]string, error) {
	if arg == "-" {
		return []string{"-"}, nil
	}
	info, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		if conftestFormat(arg) == "" {
			return nil, fmt.Errorf("%s: --conftest reads YAML (.yaml, .yml) and JSON (.json) files only", arg)
		}
		return []string{arg}, nil
	}
	var files []string
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(arg, p)
		if rel != "." && ignoredBy(ignore, filepath.ToSlash(rel), d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && conftestFormat(p) != "" {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

// conftestFormat picks the parser by extension, case-insensitively, as conftest does.
func conftestFormat(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return "yaml"
	case ".json":
		return "json"
	}
	return ""
}

// parseConftestFile decodes a file into conftest's inputs. YAML is split on "---" lines
// exactly as conftest splits it, so an empty document (say, after a trailing "---") is
// an input too, with the value null. A file whose value is an array is one input per
// element: conftest treats it like a multi-document file.
func parseConftestFile(name string, b []byte) ([]ConftestDocument, error) {
	var values []any
	var lines []int
	if name != "-" && conftestFormat(name) == "json" {
		var v any
		if err := json.Unmarshal(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), &v); err != nil {
			return nil, err
		}
		values, lines = []any{v}, []int{1}
	} else {
		parts, starts := splitConftestYAML(b)
		for i, part := range parts {
			var v any
			if err := yaml.Unmarshal(part, &v); err != nil {
				return nil, fmt.Errorf("document %d (line %d): %w", i, starts[i], err)
			}
			values = append(values, v)
		}
		lines = starts
	}
	if len(values) == 1 {
		if elems, ok := values[0].([]any); ok {
			values = elems
			// Elements of one array share its position; their own lines are unknown.
			lines = make([]int, len(elems))
		}
	}
	docs := make([]ConftestDocument, 0, len(values))
	for i, v := range values {
		docs = append(docs, ConftestDocument{File: name, Index: i, Line: lines[i], Value: v})
	}
	return docs, nil
}

// splitConftestYAML splits on lines that are exactly "---", with the file's line ending
// (CRLF when it holds any). It is not the YAML-aware split Read uses on purpose: conftest
// counts an empty document (after a trailing "---") as an input, and does not split on
// "--- # comment", and its policies see what conftest would give them. A leading "%" directive belongs to the first document. It
// returns the parts and the 1-based line each starts on.
func splitConftestYAML(b []byte) ([][]byte, []int) {
	nl := []byte("\n")
	if bytes.Contains(b, []byte("\r\n")) {
		nl = []byte("\r\n")
	}
	sep := slices.Concat(nl, []byte("---"), nl)
	parts := bytes.Split(b, sep)
	starts := make([]int, len(parts))
	offset := 0
	for i, p := range parts {
		starts[i] = 1 + bytes.Count(b[:offset], []byte("\n"))
		offset += len(p) + len(sep)
	}
	if bytes.HasPrefix(b, []byte("%")) && len(parts) > 1 {
		first := slices.Concat(parts[0], sep, parts[1])
		parts = append([][]byte{first}, parts[2:]...)
		starts = append([]int{1}, starts[2:]...)
	}
	if len(parts) == 1 {
		return [][]byte{b}, []int{1}
	}
	return parts, starts
}
