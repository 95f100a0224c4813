package main

import (
	"context"

	"github.com/apiguard/apiguard/pkg/evaluate"
	"github.com/apiguard/apiguard/pkg/policy"
)

// gitopsIdentity is the identity check and test present when none is given: the first
// GitOps identity configured (evaluate.GitOpsIdentity, shared with the adversarial
// corpus runner so both present the same user).
func gitopsIdentity(ctx context.Context, set *policy.PolicySet) (user string, groups []string, err error) {
	return evaluate.GitOpsIdentity(ctx, set)
}
