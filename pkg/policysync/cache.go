package policysync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/apiguard/apiguard/internal/memfs"
	"github.com/apiguard/apiguard/pkg/source"
)

// The cache directory holds one snapshot: files under snapshot/ and a manifest. A new
// snapshot is written beside it and renamed into place, so a crash leaves either the old
// or the new one, never a mix; the digest catches a damaged copy.
const (
	cacheSnapshotDir = "snapshot"
	cacheManifest    = "manifest.json"
)

type cacheManifestFile struct {
	Revision string             `json:"revision"`
	Origin   string             `json:"origin"`
	Commit   *source.CommitInfo `json:"commit,omitempty"`
	SavedAt  time.Time          `json:"savedAt"`
	Digest   string             `json:"digest"`
}

func digest(files map[string][]byte) string {
	h := sha256.New()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(h, "%d:%s%d:", len(n), n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func readAll(fsys fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[p] = b
		return nil
	})
	return files, err
}

// saveCache writes snap into dir. Failures (read-only or full disk) are returned for
// logging; serving never depends on the cache.
func saveCache(dir string, snap source.Snapshot) error {
	files, err := readAll(snap.FS)
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create cache dir: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".new-")
	if err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	for name, b := range files {
		p := filepath.Join(tmp, cacheSnapshotDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("write cache: %w", err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return fmt.Errorf("write cache: %w", err)
		}
	}
	m := cacheManifestFile{Revision: snap.Revision, Origin: snap.Origin, Commit: snap.Commit, SavedAt: time.Now().UTC(), Digest: digest(files)}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, cacheManifest), mb, 0o600); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	cur := filepath.Join(dir, "current")
	old := filepath.Join(dir, ".old")
	_ = os.RemoveAll(old)
	if err := os.Rename(cur, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write cache: %w", err)
	}
	if err := os.Rename(tmp, cur); err != nil {
		_ = os.Rename(old, cur)
		return fmt.Errorf("write cache: %w", err)
	}
	_ = os.RemoveAll(old)
	return nil
}

// loadCache reads the cached snapshot, or returns fs.ErrNotExist when there is none.
func loadCache(dir string) (source.Snapshot, time.Time, error) {
	cur := filepath.Join(dir, "current")
	mb, err := os.ReadFile(filepath.Join(cur, cacheManifest))
	if err != nil {
		return source.Snapshot{}, time.Time{}, err
	}
	var m cacheManifestFile
	if err := json.Unmarshal(mb, &m); err != nil {
		return source.Snapshot{}, time.Time{}, fmt.Errorf("cache manifest: %w", err)
	}
	files, err := readAll(os.DirFS(filepath.Join(cur, cacheSnapshotDir)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return source.Snapshot{}, time.Time{}, fmt.Errorf("read cache: %w", err)
	}
	if got := digest(files); got != m.Digest {
		return source.Snapshot{}, time.Time{}, fmt.Errorf("cache for revision %s is damaged (digest mismatch); ignoring it", m.Revision)
	}
	mem := memfs.New()
	for name, b := range files {
		mem.Add(name, b)
	}
	return source.Snapshot{FS: mem, Revision: m.Revision, Origin: m.Origin, Commit: m.Commit}, m.SavedAt, nil
}
