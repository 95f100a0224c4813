package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// fetch brings the target's commit into the local repository: shallow the first time,
// incremental afterwards (so ancestry stays checkable), with the size limit enforced
// while the objects arrive.
func (g *Git) fetch(ctx context.Context, remote *git.Remote, auth transport.AuthMethod, t target, current string) error {
	depth := 0
	if current == "" && g.empty() {
		depth = 1
	}
	watchCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go g.watchSize(watchCtx, stop)
	err := remote.FetchContext(watchCtx, &git.FetchOptions{Auth: auth, RefSpecs: []config.RefSpec{t.refspec}, Depth: depth, Tags: git.NoTags, Force: true})
	if errors.Is(err, git.ErrExactSHA1NotSupported) {
		// Servers without allow-any-SHA1-in-want: fetch every branch and tag in full and
		// find the pinned commit among them. Pinning happens once, so the cost is paid once.
		err = remote.FetchContext(watchCtx, &git.FetchOptions{Auth: auth, Tags: git.NoTags, Force: true, RefSpecs: []config.RefSpec{
			"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"}})
	}
	if cause := context.Cause(watchCtx); errors.Is(cause, errTooLarge) {
		return &Rejection{Reason: ReasonLimits, Revision: t.commit, Err: fmt.Errorf("repository exceeds %d bytes", g.opts.Limits.MaxRepoBytes)}
	}
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("git: fetch %s from %s: %w", t.refspec.Src(), g.redacted, describeTransportError(err))
	}
	if size := dirSize(g.dir); size > g.opts.Limits.MaxRepoBytes {
		return &Rejection{Reason: ReasonLimits, Revision: t.commit, Err: fmt.Errorf("repository is %d bytes, over the %d byte limit", size, g.opts.Limits.MaxRepoBytes)}
	}
	return nil
}

var errTooLarge = errors.New("repository too large")

// watchSize cancels the fetch as soon as the local repository grows past the limit, so an
// oversized repository costs at most the limit in disk and time.
func (g *Git) watchSize(ctx context.Context, cancel context.CancelCauseFunc) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if dirSize(g.dir) > g.opts.Limits.MaxRepoBytes {
				cancel(errTooLarge)
				return
			}
		}
	}
}

func dirSize(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			total += info.Size()
		}
		return nil
	})
	return total
}

func (g *Git) empty() bool {
	iter, err := g.repo.References()
	if err != nil {
		return true
	}
	defer iter.Close()
	n := 0
	_ = iter.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference {
			n++
		}
		return nil
	})
	return n == 0
}
