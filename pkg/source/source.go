// Package source says where policies come from. A Source yields snapshots: a read-only
// file tree and the revision that identifies it. It knows nothing about Rego; the policy
// engine compiles whatever a snapshot holds.
package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/apiguard/apiguard/internal/memfs"
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
	// Every read goes through an os.Root: a symlink may point anywhere inside the
	// directory, but one that leaves it fails to open, even if it is swapped mid-walk.
	root, err := os.OpenRoot(d.Path)
	if err != nil {
		return Snapshot{}, fmt.Errorf("policy directory: %w", err)
	}
	defer root.Close()
	mem, rev, err := readTree(ctx, root.FS())
	if err != nil {
		return Snapshot{}, fmt.Errorf("read policy directory %s: %w", d.Path, err)
	}
	return Snapshot{FS: mem, Revision: rev, Origin: "dir:" + d.Path}, nil
}

// Tree is a policy tree built into the binary (the bundled library). Its revision is the
// content hash Dir computes, so the built-in library and a checkout of the same files have
// one revision, and /status or a report names the same thing either way.
type Tree struct {
	// Name describes the tree in logs, /status and reports ("builtin").
	Name string
	FS   fs.FS
}

// String describes the source.
func (t Tree) String() string { return t.Name }

// Fetch returns the tree, or ErrUnchanged when its revision is current (it never changes
// while the process runs).
func (t Tree) Fetch(ctx context.Context, current string) (Snapshot, error) {
	snap, err := t.Snapshot(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	if snap.Revision == current {
		return Snapshot{}, ErrUnchanged
	}
	return snap, nil
}

// Snapshot copies the tree's policy files and hashes them as Dir does.
func (t Tree) Snapshot(ctx context.Context) (Snapshot, error) {
	mem, rev, err := readTree(ctx, t.FS)
	if err != nil {
		return Snapshot{}, fmt.Errorf("read policy tree %s: %w", t.Name, err)
	}
	return Snapshot{FS: mem, Revision: rev, Origin: t.Name}, nil
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

// maxDirLinks bounds how many symlinked directories one path may pass through, so a
// link loop (loop -> .) ends with an error instead of walking forever.
const maxDirLinks = 8

// treeReader copies the policy files of one directory tree into memory, hashing them in
// walk order.
type treeReader struct {
	ctx  context.Context
	fsys fs.FS
	mem  memfs.Map
	hash hash.Hash
}

// readTree copies the policy files of fsys into memory and hashes them in path order.
//
// Symlinks are followed, because a ConfigMap volume is made of them: the kubelet writes
// the keys into a hidden timestamped directory, points ..data at it, and makes each key a
// link through ..data (a.rego -> ..data/a.rego; with items[].path, a directory link
// ingress -> ..data/ingress), swapping ..data atomically on update. Hidden entries are
// never walked themselves (.git, .github, ..data and the timestamped directory), so each
// file is read once, under the name the user gave it. Whether a link may leave the tree
// is up to fsys: Dir reads through an os.Root, which refuses it.
func readTree(ctx context.Context, fsys fs.FS) (memfs.Map, string, error) {
	r := &treeReader{ctx: ctx, fsys: fsys, mem: memfs.New(), hash: sha256.New()}
	if err := r.walk(".", 0); err != nil {
		return memfs.Map{}, "", err
	}
	return r.mem, hex.EncodeToString(r.hash.Sum(nil)), nil
}

func (r *treeReader) walk(dir string, dirLinks int) error {
	entries, err := fs.ReadDir(r.fsys, dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		name := e.Name()
		p := path.Join(dir, name)
		isDir, isFile := e.IsDir(), e.Type().IsRegular()
		isLink := e.Type()&fs.ModeSymlink != 0
		if isLink {
			if strings.HasPrefix(name, ".") {
				continue // ..data and other hidden links: reached through the visible links
			}
			info, err := fs.Stat(r.fsys, p)
			if err != nil {
				return fmt.Errorf("symlink %s: it points outside the policy directory or at nothing: %w", p, err)
			}
			isDir, isFile = info.IsDir(), info.Mode().IsRegular()
		}
		switch {
		case isDir && strings.HasPrefix(name, "."):
			// Hidden directories (.git, .github) never hold policies.
		case isDir && isLink:
			if dirLinks >= maxDirLinks {
				return fmt.Errorf("symlink %s: more than %d directory links in one path (a link loop?)", p, maxDirLinks)
			}
			if err := r.walk(p, dirLinks+1); err != nil {
				return err
			}
		case isDir:
			if err := r.walk(p, dirLinks); err != nil {
				return err
			}
		case isFile && isPolicyFile(name):
			if err := r.copy(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *treeReader) copy(p string) error {
	f, err := r.fsys.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	r.mem.Add(p, b)
	// Length-prefix both parts so a file boundary cannot be forged by content.
	fmt.Fprintf(r.hash, "%d:%s%d:", len(p), p, len(b))
	r.hash.Write(b)
	return nil
}

// Merge overlays several snapshots into one, as `--policy a --policy b` asks. The same
// path in two snapshots is an error rather than a silent override: the user meant two
// separate trees. The merged revision is derived from the parts, in order.
func Merge(snaps ...Snapshot) (Snapshot, error) {
	if len(snaps) == 1 {
		return snaps[0], nil
	}
	merged := memfs.New()
	owner := map[string]string{}
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
			merged.Add(p, b)
			return nil
		})
		if err != nil {
			return Snapshot{}, fmt.Errorf("merge policy trees: %w", err)
		}
		origins = append(origins, s.Origin)
	}
	return Snapshot{FS: merged, Revision: revisionOf(snaps), Origin: strings.Join(origins, "+")}, nil
}
