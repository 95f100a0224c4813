package source

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/apiguard/apiguard/internal/memfs"
)

// extract reads the policy path of the commit's tree into memory, enforcing the file
// limits and refusing unsafe names and symlinks that leave the policy path. Only policy
// files and symlinks are opened: any other file counts towards MaxFiles but its blob is
// never read, so a large README or image beside the policies costs nothing. The bytes
// read (policy files and symlink targets) and the content each symlink resolves to are
// capped by MaxTotalBytes, checked from the blob's size before its content is read: a
// highly compressible repository passes the on-disk cap, not this one.
func (g *Git) extract(ctx context.Context, c *object.Commit) (fs.FS, error) {
	lim := g.opts.Limits
	reject := func(err error) error { return &Rejection{Reason: ReasonLimits, Revision: c.Hash.String(), Err: err} }
	overTotal := func(total int64) error {
		return reject(fmt.Errorf("policy files under the policy path total at least %d bytes, over the %d byte total limit", total, lim.MaxTotalBytes))
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("git: read tree: %w", err)
	}
	if g.opts.Path != "" {
		if tree, err = tree.Tree(g.opts.Path); err != nil {
			return nil, fmt.Errorf("git: policy path %q not found in %s: %w", g.opts.Path, shortSHA(c.Hash.String()), err)
		}
	}
	out := memfs.New()
	links := map[string]string{}
	files := 0
	var total int64
	var walk func(t *object.Tree, dir string) error
	walk = func(t *object.Tree, dir string) error {
		for _, e := range t.Entries {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("git: extract: %w", err)
			}
			if e.Name == "" || e.Name == "." || e.Name == ".." || strings.ContainsAny(e.Name, "/\\\x00") {
				return reject(fmt.Errorf("unsafe path %q in %s", e.Name, dir))
			}
			p := path.Join(dir, e.Name)
			switch e.Mode {
			case filemode.Dir:
				sub, err := t.Tree(e.Name)
				if err != nil {
					return fmt.Errorf("git: read tree %s: %w", p, err)
				}
				if err := walk(sub, p); err != nil {
					return err
				}
				continue
			case filemode.Submodule:
				continue // a commit pointer, no content
			}
			files++
			if files > lim.MaxFiles {
				return reject(fmt.Errorf("more than %d files under the policy path", lim.MaxFiles))
			}
			link := e.Mode == filemode.Symlink
			if !link && !isPolicyFile(e.Name) {
				continue // never opened
			}
			blob, err := g.repo.BlobObject(e.Hash)
			if err != nil {
				return fmt.Errorf("git: read %s: %w", p, err)
			}
			if blob.Size > lim.MaxFileBytes {
				return reject(fmt.Errorf("%s is %d bytes, over the %d byte file limit", p, blob.Size, lim.MaxFileBytes))
			}
			// The size is known before the content is read: refuse first. A link's
			// text counts too, or thousands of long link targets would slip past.
			if total += blob.Size; total > lim.MaxTotalBytes {
				return overTotal(total)
			}
			data, err := readBlob(blob, lim.MaxFileBytes)
			if err != nil {
				return fmt.Errorf("git: read %s: %w", p, err)
			}
			if link {
				links[p] = string(data)
				continue
			}
			out.Add(p, data)
		}
		return nil
	}
	if err := walk(tree, "."); err != nil {
		return nil, err
	}
	for link, targetPath := range links {
		data, err := resolveLink(out, links, link, targetPath)
		if err != nil {
			return nil, reject(err)
		}
		if data != nil && isPolicyFile(path.Base(link)) {
			// A link shares the target's bytes in memory, but every reader of the
			// snapshot (compiler, hash) sees them again: count them again.
			if total += int64(len(data)); total > lim.MaxTotalBytes {
				return nil, overTotal(total)
			}
			out.Add(path.Clean(link), data)
		}
	}
	return out, nil
}

// resolveLink follows a symlink inside the policy tree. Absolute targets and targets that
// climb out of the policy path are refused: the tree must not pull in other content.
func resolveLink(files memfs.Map, links map[string]string, link, targetPath string) ([]byte, error) {
	for hop := 0; hop < maxSymlinkHops; hop++ {
		if path.IsAbs(targetPath) {
			return nil, fmt.Errorf("symlink %s -> %s is absolute; it would leave the policy path", link, targetPath)
		}
		resolved := path.Join(path.Dir(link), targetPath)
		if resolved == ".." || strings.HasPrefix(resolved, "../") {
			return nil, fmt.Errorf("symlink %s -> %s leaves the policy path", link, targetPath)
		}
		if data, ok := files.Data(resolved); ok {
			return data, nil
		}
		next, isLink := links[resolved]
		if !isLink {
			// A link to a directory or a non-policy file contributes nothing.
			return nil, nil
		}
		link, targetPath = resolved, next
	}
	return nil, fmt.Errorf("symlink %s: more than %d hops", link, maxSymlinkHops)
}

// readBlob reads at most limit bytes: the size checked above comes from the object
// header, and the content must not be allowed to outgrow it.
func readBlob(b *object.Blob, limit int64) ([]byte, error) {
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("content outgrew the %d byte file limit its header passed", limit)
	}
	return data, nil
}
