// Package manifest reads Kubernetes manifests from files, directories and
// stdin for the offline `apiguard check` command, the way conftest does.
//
// The goal is to check exactly what kubectl would apply, so the decoding
// mirrors kubectl where it matters: YAML goes through sigs.k8s.io/yaml
// (YAML 1.1 scalars such as yes/no/on/off become booleans, duplicate keys
// resolve last-wins), a stream whose first non-blank byte is '{' or '[' is
// a stream of JSON values (a top-level array is an error, not expanded),
// and a document whose items is an array (kind: List, kind: IngressList, or
// any kind at all, as kubectl's Unstructured.IsList decides) is flattened
// into its items, nested Lists included.
//
// Document counting follows the YAML spec rather than a naive split on
// "---", so that Index is the position a user counts:
//
//   - every "---" line starts a document, even an empty one; empty and
//     comment-only documents produce no Document but still consume an Index;
//   - text before the first "---" (or after a "..." end marker) is a
//     document only if it has content, so a leading "---" or a comment
//     header above it does not shift the numbering;
//   - "..." ends a document (kubectl would silently drop anything after it;
//     we check it instead).
//
// Line is the first line after the "---" marker (line 1 for the first
// document when there is no marker; the marker's own line for "--- value"),
// so it may point at a blank line or a comment such as Helm's "# Source:"
// header. Items of a List report the List's Index and Line, because item
// positions are not tracked; Item numbers them in the order met, through
// nested Lists.
package manifest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// DefaultMaxFileBytes bounds each input when Options.MaxFileBytes is unset.
// Files are decoded as they are read, so the limit is about run time and the
// decoded objects, not a buffer: rendered charts of tens of megabytes pass,
// a wrong path to a disk image does not.
const DefaultMaxFileBytes = 256 << 20

// Entry is one thing Read found, in input order: a Document, or an Error where a path,
// a document or a List item could not be read. Exactly one of the two is set.
type Entry struct {
	Document *Document
	Err      *Error
}

// Document is one Kubernetes object found in the input.
type Document struct {
	File   string         // path as given by the user (walked files: joined to the walked dir), or "-" for stdin
	Index  int            // 0-based index of the YAML document within the file; List items carry their List's index
	Item   int            // -1 unless expanded from a List: then the item index
	Line   int            // 1-based line where the YAML document starts (first line after its "---")
	Object map[string]any // JSON types; numbers are json.Number so integers stay exact; nil with Options.DropObjects
	Raw    []byte         // Object as compact JSON with sorted keys and no HTML escaping

	meta *typeMeta // identity read once at decode time; nil for Documents built by hand
}

// typeMeta is what the accessors return, kept apart from Object so it survives
// Options.DropObjects.
type typeMeta struct {
	apiVersion, kind, namespace, name string
}

// APIVersion returns the object's apiVersion.
func (d Document) APIVersion() string {
	if d.meta != nil {
		return d.meta.apiVersion
	}
	return str(d.Object, "apiVersion")
}

// Kind returns the object's kind.
func (d Document) Kind() string {
	if d.meta != nil {
		return d.meta.kind
	}
	return str(d.Object, "kind")
}

// Namespace returns metadata.namespace, or "" when unset or malformed.
func (d Document) Namespace() string {
	if d.meta != nil {
		return d.meta.namespace
	}
	return str(metadata(d.Object), "namespace")
}

// Name returns metadata.name, or "" when unset or malformed.
func (d Document) Name() string {
	if d.meta != nil {
		return d.meta.name
	}
	return str(metadata(d.Object), "name")
}

func metadata(obj map[string]any) map[string]any {
	m, _ := obj["metadata"].(map[string]any)
	return m
}

func str(obj map[string]any, key string) string {
	s, _ := obj[key].(string)
	return s
}

// Error locates a problem in the input, so the CLI can report it (and put it
// in SARIF) with the same coordinates as a Document.
type Error struct {
	File  string
	Index int // document index; -1 when the problem concerns the file as a whole
	Item  int // List item index; -1 when not inside a List
	Line  int // line where the document starts; 0 when Index is -1
	Err   error
}

func (e *Error) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	s := fmt.Sprintf("%s: document %d (line %d)", e.File, e.Index, e.Line)
	if e.Item >= 0 {
		s += fmt.Sprintf(": item %d", e.Item)
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// fileError names the path the user gave rather than whatever the OS error
// carries (e.g. "stat x: ..."), and keeps errors.Is(err, fs.ErrNotExist).
func fileError(file string, err error) *Error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &Error{File: file, Index: -1, Item: -1, Err: err}
}

// Options configures Read.
type Options struct {
	// Ignore holds path.Match patterns; during directory walks a file or
	// directory is skipped when a pattern matches its slash path relative to
	// the walked directory or its base name. Explicit paths are never ignored.
	Ignore []string
	// Stdin is read for the path "-".
	Stdin io.Reader
	// MaxFileBytes limits each file (and stdin); <= 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// DropObjects leaves Document.Object nil and keeps only Raw, about a tenth of the
	// memory: for callers that hand Raw to the policy engine and decode objects again
	// only where they need them.
	DropObjects bool
	// Warn receives problems that do not stop the run, such as a binary file
	// that was skipped. Nil drops them.
	Warn func(err error)
	// IncludeHidden walks hidden files and directories too (names starting with
	// "."), which directory walks skip by default.
	IncludeHidden bool
	// Note receives what a walk left out on purpose, such as the hidden paths it
	// skipped, so the user can tell a skipped file from a missing one. Nil drops it.
	Note func(msg string)
}

// Read reads every path: a file (whatever its extension), a directory
// (walked recursively in lexical order), or "-" for Options.Stdin.
//
// Directory walks pick *.yaml, *.yml and *.json (case-insensitive), skip
// hidden files and directories (.git, .github, .gitlab-ci.yml, ...) because
// they hold tooling config rather than manifests, naming them once per walk
// through Options.Note (Options.IncludeHidden walks them), apply
// Options.Ignore, and do not follow symlinked directories (loops); symlinked
// files are read.
//
// Read does not stop at the first bad file: it returns every Document it
// could decode together with all problems joined into one error (each a
// *Error), so a single run reports everything. Callers that must not act on
// partial input should treat a non-nil error as fatal. No paths means no
// documents.
func Read(paths []string, opts Options) ([]Document, error) {
	entries, err := ReadEntries(paths, opts)
	if err != nil {
		return nil, err
	}
	docs, errs := split(entries)
	return docs, errors.Join(errs...)
}

// ReadEntries is Read keeping documents and problems together in input order, for
// callers that report a bad file or document where it stands and go on with the rest
// (apiguard check). The error is only for unusable Options, such as a bad Ignore
// pattern; problems with the input are Entries.
func ReadEntries(paths []string, opts Options) ([]Entry, error) {
	if err := checkIgnore(opts.Ignore); err != nil {
		return nil, err
	}
	r := reader{opts: opts, max: opts.MaxFileBytes}
	if r.max <= 0 {
		r.max = DefaultMaxFileBytes
	}
	for _, p := range paths {
		r.path(p)
	}
	return r.entries, nil
}

type reader struct {
	opts      Options
	max       int64
	stdinUsed bool
	entries   []Entry
}

func (r *reader) fail(err *Error) { r.entries = append(r.entries, Entry{Err: err}) }

func (r *reader) path(p string) {
	if p == "-" {
		switch {
		case r.opts.Stdin == nil:
			r.fail(fileError(p, errors.New("standard input is not available")))
		case r.stdinUsed:
			// A second read would silently see nothing.
			r.fail(fileError(p, errors.New("standard input given more than once")))
		default:
			r.stdinUsed = true
			r.stream(p, r.opts.Stdin)
		}
		return
	}
	fi, err := os.Stat(p)
	if err != nil {
		r.fail(fileError(p, err))
		return
	}
	if fi.IsDir() {
		r.walk(p)
		return
	}
	// Not only regular files: process substitution (<(helm template ...))
	// hands us a pipe.
	r.file(p)
}

func (r *reader) walk(root string) {
	// os.DirFS rather than filepath.WalkDir so that a root which is itself a
	// symlink to a directory is still walked.
	fsys := os.DirFS(root)
	var hidden []string
	defer func() {
		if len(hidden) > 0 && r.opts.Note != nil {
			r.opts.Note(fmt.Sprintf("%s: skipped hidden %s (use --include-hidden to check them)", root, strings.Join(hidden, ", ")))
		}
	}()
	walkErr := fs.WalkDir(fsys, ".", func(rel string, d fs.DirEntry, err error) error {
		file := filepath.Join(root, filepath.FromSlash(rel))
		if err != nil {
			r.fail(fileError(file, err))
			return nil
		}
		if rel == "." {
			return nil
		}
		name := d.Name()
		isHidden := strings.HasPrefix(name, ".") && !r.opts.IncludeHidden
		if isHidden && (d.IsDir() || manifestExt(name)) && !r.ignored(rel, name) {
			// Only what would otherwise have been read is worth a note: a
			// .gitignore is not a manifest anyone expects checked.
			if d.IsDir() {
				hidden = append(hidden, rel+"/")
			} else {
				hidden = append(hidden, rel)
			}
		}
		if isHidden || r.ignored(rel, name) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !manifestExt(name) {
			return nil
		}
		if !d.Type().IsRegular() {
			fi, err := fs.Stat(fsys, rel)
			if err != nil {
				r.fail(fileError(file, err))
				return nil
			}
			if !fi.Mode().IsRegular() {
				return nil
			}
		}
		r.file(file)
		return nil
	})
	if walkErr != nil {
		r.fail(fileError(root, walkErr))
	}
}

func (r *reader) ignored(rel, name string) bool { return ignoredBy(r.opts.Ignore, rel, name) }

// checkIgnore refuses a malformed Options.Ignore pattern before anything is read.
func checkIgnore(patterns []string) error {
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("ignore pattern %q: %w", p, err)
		}
	}
	return nil
}

// ignoredBy reports whether a walked path is skipped: a pattern matches its slash path
// relative to the walked directory, or its base name. Patterns were checked by
// checkIgnore, so errors cannot occur here.
func ignoredBy(patterns []string, rel, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

func manifestExt(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func (r *reader) file(p string) {
	f, err := os.Open(p)
	if err != nil {
		r.fail(fileError(p, err))
		return
	}
	defer f.Close()
	r.stream(p, f)
}

func (r *reader) stream(name string, in io.Reader) {
	limited := &limitReader{r: in, left: r.max}
	br := bufio.NewReaderSize(limited, peekBytes)
	if head, _ := br.Peek(peekBytes); IsBinary(head) {
		// A binary file next to manifests (an image, a packed chart) is not a
		// reason to fail the run, but the user must know it was not checked.
		if r.opts.Warn != nil {
			r.opts.Warn(fileError(name, errors.New("skipped: binary file (contains NUL bytes)")))
		}
		return
	}
	entries := decodeStream(name, br, r.opts.DropObjects)
	if limited.exceeded {
		// Whatever was decoded is partial; report only the limit.
		r.fail(fileError(name, fmt.Errorf("file is larger than %d bytes", r.max)))
		return
	}
	r.entries = append(r.entries, entries...)
}

// limitReader ends the stream with an error once more than left bytes were
// asked for, so an oversized input stops the decoder instead of being cut
// silently at the limit.
type limitReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.exceeded {
		return 0, errors.New("file is too large")
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.exceeded = true
		return n, errors.New("file is too large")
	}
	return n, err
}
