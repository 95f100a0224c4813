package source

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// extract reads the policy path of the commit's tree into memory, enforcing the file
// limits and refusing unsafe names and symlinks that leave the policy path.
func (g *Git) extract(c *object.Commit) (fs.FS, error) {
	reject := func(err error) error { return &Rejection{Reason: ReasonLimits, Revision: c.Hash.String(), Err: err} }
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("git: read tree: %w", err)
	}
	if g.opts.Path != "" {
		if tree, err = tree.Tree(g.opts.Path); err != nil {
			return nil, fmt.Errorf("git: policy path %q not found in %s: %w", g.opts.Path, shortSHA(c.Hash.String()), err)
		}
	}
	out := fstest.MapFS{}
	links := map[string]string{}
	files := 0
	var walk func(t *object.Tree, dir string) error
	walk = func(t *object.Tree, dir string) error {
		for _, e := range t.Entries {
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
			if files > g.opts.Limits.MaxFiles {
				return reject(fmt.Errorf("more than %d files under the policy path", g.opts.Limits.MaxFiles))
			}
			blob, err := g.repo.BlobObject(e.Hash)
			if err != nil {
				return fmt.Errorf("git: read %s: %w", p, err)
			}
			if blob.Size > g.opts.Limits.MaxFileBytes {
				return reject(fmt.Errorf("%s is %d bytes, over the %d byte file limit", p, blob.Size, g.opts.Limits.MaxFileBytes))
			}
			data, err := readBlob(blob)
			if err != nil {
				return fmt.Errorf("git: read %s: %w", p, err)
			}
			if e.Mode == filemode.Symlink {
				links[p] = string(data)
				continue
			}
			if isPolicyFile(e.Name) {
				out[p] = &fstest.MapFile{Data: data, Mode: 0o444}
			}
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
			out[path.Clean(link)] = &fstest.MapFile{Data: data, Mode: 0o444}
		}
	}
	return out, nil
}

// resolveLink follows a symlink inside the policy tree. Absolute targets and targets that
// climb out of the policy path are refused: the tree must not pull in other content.
func resolveLink(files fstest.MapFS, links map[string]string, link, targetPath string) ([]byte, error) {
	for hop := 0; hop < maxSymlinkHops; hop++ {
		if path.IsAbs(targetPath) {
			return nil, fmt.Errorf("symlink %s -> %s is absolute; it would leave the policy path", link, targetPath)
		}
		resolved := path.Join(path.Dir(link), targetPath)
		if resolved == ".." || strings.HasPrefix(resolved, "../") {
			return nil, fmt.Errorf("symlink %s -> %s leaves the policy path", link, targetPath)
		}
		if f, ok := files[resolved]; ok {
			return f.Data, nil
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

func readBlob(b *object.Blob) ([]byte, error) {
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
