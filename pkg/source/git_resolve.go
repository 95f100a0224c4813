package source

import (
	"context"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// target is what the configured ref names on the remote right now.
type target struct {
	refspec config.RefSpec
	local   plumbing.ReferenceName
	commit  string        // known commit SHA, when the remote advertised one
	tagRef  plumbing.Hash // what a tag ref points at (a tag object or a commit)
}

// resolve asks the remote (ls-remote) what the ref points at, so an unchanged ref costs
// one small request and no fetch.
func (g *Git) resolve(ctx context.Context, remote *git.Remote, auth transport.AuthMethod, current string) (target, error) {
	if g.kind == refSHA {
		return target{
			refspec: config.RefSpec(g.opts.Ref + ":refs/apiguard/pinned"),
			local:   "refs/apiguard/pinned",
			commit:  g.opts.Ref,
		}, nil
	}
	refs, err := remote.ListContext(ctx, &git.ListOptions{Auth: auth})
	if err != nil {
		return target{}, fmt.Errorf("git: list refs of %s: %w", g.redacted, describeTransportError(err))
	}
	byName := map[plumbing.ReferenceName]*plumbing.Reference{}
	for _, r := range refs {
		byName[r.Name()] = r
	}
	var name plumbing.ReferenceName
	switch g.kind {
	case refDefault:
		head, ok := byName[plumbing.HEAD]
		if !ok || head.Type() != plumbing.SymbolicReference {
			return target{}, fmt.Errorf("git: %s does not advertise a default branch; set the ref", g.redacted)
		}
		name = head.Target()
	case refFull:
		name = plumbing.ReferenceName(g.opts.Ref)
	default:
		if _, ok := byName[plumbing.NewBranchReferenceName(g.opts.Ref)]; ok {
			name = plumbing.NewBranchReferenceName(g.opts.Ref)
		} else if _, ok := byName[plumbing.NewTagReferenceName(g.opts.Ref)]; ok {
			name = plumbing.NewTagReferenceName(g.opts.Ref)
		} else {
			return target{}, fmt.Errorf("git: ref %q is neither a branch nor a tag of %s", g.opts.Ref, g.redacted)
		}
	}
	ref, ok := byName[name]
	if !ok {
		return target{}, fmt.Errorf("git: %s has no ref %s", g.redacted, name)
	}
	if name.IsTag() {
		// A pinned tag never moves: if it now points elsewhere, keep what is active.
		if g.tagRef != plumbing.ZeroHash && ref.Hash() != g.tagRef && current != "" {
			return target{}, &Rejection{Reason: ReasonTagMoved, Revision: ref.Hash().String(),
				Err: fmt.Errorf("tag %s moved from %s to %s; a pinned tag never moves, change the ref to follow it", name.Short(), shortSHA(g.tagRef.String()), shortSHA(ref.Hash().String()))}
		}
		if g.tagRef == ref.Hash() && current != "" {
			return target{commit: current}, nil
		}
		return target{refspec: config.RefSpec("+" + name.String() + ":" + name.String()), local: name, tagRef: ref.Hash()}, nil
	}
	local := plumbing.ReferenceName("refs/remotes/origin/" + strings.TrimPrefix(name.String(), "refs/heads/"))
	return target{refspec: config.RefSpec("+" + name.String() + ":" + local.String()), local: local, commit: ref.Hash().String()}, nil
}

// commitFor finds the commit the target names, peeling annotated tags.
func (g *Git) commitFor(t target) (*object.Commit, error) {
	var hash plumbing.Hash
	if g.kind == refSHA {
		hash = plumbing.NewHash(g.opts.Ref)
	} else {
		ref, err := g.repo.Reference(t.local, true)
		if err != nil {
			return nil, fmt.Errorf("git: fetched ref %s missing: %w", t.local, err)
		}
		hash = ref.Hash()
	}
	if tag, err := g.repo.TagObject(hash); err == nil {
		c, err := tag.Commit()
		if err != nil {
			return nil, fmt.Errorf("git: tag %s does not point at a commit: %w", tag.Name, err)
		}
		return c, nil
	}
	c, err := g.repo.CommitObject(hash)
	if err != nil {
		return nil, fmt.Errorf("git: commit %s not found on %s (pinned commits must be reachable from a branch or tag): %w", shortSHA(hash.String()), g.redacted, err)
	}
	return c, nil
}

// checkDescends refuses a branch that moved to a commit not descending from the active
// one. Pinned tags and SHAs never move, so they are not checked here.
func (g *Git) checkDescends(next *object.Commit, current string, t target) error {
	if current == "" || g.opts.AllowForcePush || g.kind == refSHA || t.tagRef != plumbing.ZeroHash {
		return nil
	}
	refuse := func(why string) error {
		return &Rejection{Reason: ReasonForcePush, Revision: next.Hash.String(),
			Err: fmt.Errorf("history rewritten: %s moved from %s to %s, which %s; allow with --git-allow-force-push",
				t.local.Short(), current, next.Hash.String(), why)}
	}
	old, err := g.repo.CommitObject(plumbing.NewHash(current))
	if err != nil {
		return refuse("does not contain the active commit")
	}
	ok, err := old.IsAncestor(next)
	if err != nil {
		return refuse("cannot be shown to descend from it (" + err.Error() + ")")
	}
	if !ok {
		return refuse("does not descend from it")
	}
	return nil
}
