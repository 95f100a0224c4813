// Package source says where policies come from. A Source yields snapshots: a read-only
// file tree and the revision that identifies it. It knows nothing about Rego; the policy
// engine compiles whatever a snapshot holds.
package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
	// MapFS is a plain in-memory fs.FS with correct directory semantics; despite the
	// package name it has no test-only behaviour.
	"testing/fstest"
)

// Snapshot is one immutable view of a policy tree.
type Snapshot struct {
	FS       fs.FS
	Revision string
	// Origin describes where the snapshot came from, for logs and /status.
	Origin string
	// Commit describes the Git commit, for Git snapshots.
	Commit *CommitInfo
}

// CommitInfo is what /status shows about a Git revision.
type CommitInfo struct {
	SHA     string    `json:"sha"`
	Author  string    `json:"author"`
	Subject string    `json:"subject"`
	Time    time.Time `json:"time"`
	// Signer is who signed it, when signatures are verified.
	Signer string `json:"signer,omitempty"`
}

// Source produces snapshots.
type Source interface {
	// Fetch returns the newest snapshot. current is the revision active now ("" when
	// none); when the newest revision equals it, Fetch returns ErrUnchanged. A revision
	// the source refuses to hand over is a *Rejection.
	Fetch(ctx context.Context, current string) (Snapshot, error)
	// String describes the source for logs and metrics, without credentials.
	String() string
}

// Dir is a policy tree on local disk. Its revision is a hash of the file contents, so an
// unchanged tree always has the same revision and any edit changes it.
type Dir struct {
	Path string
}

// String describes the source.
func (d Dir) String() string { return "dir:" + d.Path }

// Fetch hashes the tree and returns it, or ErrUnchanged when the hash is current.
func (d Dir) Fetch(ctx context.Context, current string) (Snapshot, error) {
	snap, err := d.Snapshot(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	if snap.Revision == current {
		return Snapshot{}, ErrUnchanged
	}
	return snap, nil
}

// Snapshot hashes the tree and returns it. The files are read into memory so the snapshot
// cannot change under the compiler if someone edits the directory meanwhile.
func (d Dir) Snapshot(ctx context.Context) (Snapshot, error) {
	info, err := os.Stat(d.Path)
	if err != nil {
		return Snapshot{}, fmt.Errorf("policy directory: %w", err)
	}
	if !info.IsDir() {
		return Snapshot{}, fmt.Errorf("policy directory %s is not a directory", d.Path)
	}
	mem, rev, err := readTree(ctx, os.DirFS(d.Path))
	if err != nil {
		return Snapshot{}, fmt.Errorf("read policy directory %s: %w", d.Path, err)
	}
	return Snapshot{FS: mem, Revision: rev, Origin: "dir:" + d.Path}, nil
}

// isPolicyFile selects what a policy snapshot carries and hashes.
func isPolicyFile(name string) bool {
	for _, ext := range []string{".rego", ".json", ".yaml", ".yml"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// readTree copies the policy files of fsys into memory and hashes them in path order.
func readTree(ctx context.Context, fsys fs.FS) (fstest.MapFS, string, error) {
	mem := fstest.MapFS{}
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if e.IsDir() {
			if p != "." && strings.HasPrefix(e.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() || !isPolicyFile(e.Name()) {
			return nil
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		mem[p] = &fstest.MapFile{Data: b, Mode: 0o444}
		// Length-prefix both parts so a file boundary cannot be forged by content.
		fmt.Fprintf(h, "%d:%s%d:", len(p), p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return mem, hex.EncodeToString(h.Sum(nil)), nil
}

// Merge overlays several snapshots into one, as `--policy a --policy b` asks. The same
// path in two snapshots is an error rather than a silent override: the user meant two
// separate trees. The merged revision is derived from the parts, in order.
func Merge(snaps ...Snapshot) (Snapshot, error) {
	if len(snaps) == 1 {
		return snaps[0], nil
	}
	merged := fstest.MapFS{}
	owner := map[string]string{}
	h := sha256.New()
	var origins []string
	for _, s := range snaps {
		err := fs.WalkDir(s.FS, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			if prev, ok := owner[p]; ok {
				return fmt.Errorf("%s is in both %s and %s", p, prev, s.Origin)
			}
			b, err := fs.ReadFile(s.FS, p)
			if err != nil {
				return err
			}
			owner[p] = s.Origin
			merged[p] = &fstest.MapFile{Data: b, Mode: 0o444}
			return nil
		})
		if err != nil {
			return Snapshot{}, fmt.Errorf("merge policy trees: %w", err)
		}
		fmt.Fprintf(h, "%s\n", s.Revision)
		origins = append(origins, s.Origin)
	}
	return Snapshot{FS: merged, Revision: hex.EncodeToString(h.Sum(nil)), Origin: strings.Join(origins, "+")}, nil
}
