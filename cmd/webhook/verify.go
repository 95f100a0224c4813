package main

import (
	"fmt"

	"github.com/apiguard/apiguard/pkg/source"
	"github.com/apiguard/apiguard/pkg/source/signature"
)

// loadVerifier reads --git-verify-keys. Nil means signatures are not required.
func loadVerifier(files []string) (source.CommitVerifier, error) {
	if len(files) == 0 {
		return nil, nil
	}
	ring, err := signature.Load(files)
	if err != nil {
		return nil, fmt.Errorf("--git-verify-keys: %w", err)
	}
	return ring, nil
}
