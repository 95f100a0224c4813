// Package memfs holds a policy tree in memory: the files read from a directory, a Git
// commit, the policy cache or the binary, handed on as an fs.FS.
package memfs

import (
	"io/fs"
	// fstest.MapFS is a plain in-memory fs.FS with correct directory semantics (Open,
	// ReadDir, Stat, ReadFile; directories implied by paths); despite the package name
	// it has no test-only behaviour. Map wraps it so production code says what it means.
	"testing/fstest"
)

// Map is an in-memory, read-only file tree: slash-separated paths (fs.ValidPath) to
// file contents, with directories implied by the paths. Build it with New and Add,
// then hand it on as an fs.FS; every file reads back with mode 0444.
type Map struct {
	files fstest.MapFS
}

// New returns an empty Map.
func New() Map { return Map{files: fstest.MapFS{}} }

// Add stores data at name, replacing what was there. name must be a valid fs path.
func (m Map) Add(name string, data []byte) {
	m.files[name] = &fstest.MapFile{Data: data, Mode: 0o444}
}

// Data returns the bytes of the file at name, and whether one was added there.
func (m Map) Data(name string) ([]byte, bool) {
	f, ok := m.files[name]
	if !ok {
		return nil, false
	}
	return f.Data, true
}

// Open implements fs.FS.
func (m Map) Open(name string) (fs.File, error) { return m.files.Open(name) }

// ReadFile implements fs.ReadFileFS.
func (m Map) ReadFile(name string) ([]byte, error) { return m.files.ReadFile(name) }

// ReadDir implements fs.ReadDirFS.
func (m Map) ReadDir(name string) ([]fs.DirEntry, error) { return m.files.ReadDir(name) }

// Stat implements fs.StatFS.
func (m Map) Stat(name string) (fs.FileInfo, error) { return m.files.Stat(name) }
