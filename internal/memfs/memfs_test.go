package memfs

import (
	"bytes"
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestMapIsAFileSystem(t *testing.T) {
	m := New()
	m.Add("a.rego", []byte("package a\n"))
	m.Add("lib/b/c.rego", []byte("package b.c\n"))
	m.Add("lib/b/c.rego", []byte("package b.c # replaced\n"))
	if err := fstest.TestFS(m, "a.rego", "lib/b/c.rego"); err != nil {
		t.Fatal(err)
	}
	if b, ok := m.Data("lib/b/c.rego"); !ok || !bytes.Equal(b, []byte("package b.c # replaced\n")) {
		t.Errorf("Data = %q, %v", b, ok)
	}
	if _, ok := m.Data("lib"); ok {
		t.Error("Data of an implied directory")
	}
	info, err := fs.Stat(m, "a.rego")
	if err != nil || info.Mode() != 0o444 {
		t.Errorf("Stat = %v, %v", info, err)
	}
}
