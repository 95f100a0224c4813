package main

import (
	"context"
	"fmt"
	"os"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"
)

func main() {
	url, sha := os.Args[1], os.Args[2]
	repo, _ := git.Init(memory.NewStorage(), nil)
	_, _ = repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}})
	err := repo.FetchContext(context.Background(), &git.FetchOptions{RemoteName: "origin", Depth: 1, RefSpecs: []config.RefSpec{config.RefSpec(sha + ":refs/pinned")}, Tags: git.NoTags})
	fmt.Println("fetch by sha:", err)
	c, err := repo.CommitObject(plumbing.NewHash(sha))
	fmt.Println("commit:", c != nil, err)
	r, _ := repo.Remote("origin")
	refs, err := r.ListContext(context.Background(), &git.ListOptions{})
	fmt.Println("ls-remote err", err)
	for _, ref := range refs {
		fmt.Println(" ", ref.Name(), ref.Hash().String()[:7], ref.Type())
	}
}
