package evaluate

import (
	"context"
	"fmt"
	"strings"

	"github.com/apiguard/apiguard/pkg/policy"
)

// FluxKustomizeController is what the identities entry "defaults" stands for first in
// gitops.reviewed_change (policies/gitops/reviewed_change.rego, default_identities).
const FluxKustomizeController = "system:serviceaccount:flux-system:kustomize-controller"

// CIUsername is the username presented with a GitOps group when no concrete GitOps
// username is configured: the policy judges groups only for a named user.
const CIUsername = "apiguard:ci"

// GitOpsIdentity returns the identity offline callers present by default: the first
// GitOps identity configured in data.apiguard.config.gitops, so checking a manifest in
// CI judges it as the GitOps controller that will apply it, and gitops.reviewed_change
// does not fail every pull request. Globs cannot be presented as a username, so the
// first exact name wins, then the first identity group. Nothing configured: no
// identity. apiguard check and apiguard test use it, and so does the adversarial
// corpus runner, which impersonates the same identity through the API server.
func GitOpsIdentity(ctx context.Context, set *policy.PolicySet) (user string, groups []string, err error) {
	cfg, ok, err := set.ReadData(ctx, "apiguard", "config", "gitops")
	if err != nil || !ok {
		return "", nil, err
	}
	gitops, ok := cfg.(map[string]any)
	if !ok {
		return "", nil, fmt.Errorf("data.apiguard.config.gitops is a %T, want an object", cfg)
	}
	for _, id := range stringList(gitops["identities"]) {
		switch {
		case id == "defaults":
			return FluxKustomizeController, nil, nil
		case !strings.ContainsAny(id, "*?["):
			return id, nil, nil
		}
	}
	if groups := stringList(gitops["identityGroups"]); len(groups) > 0 {
		return CIUsername, groups[:1], nil
	}
	return "", nil, nil
}

// stringList returns the string members of a JSON list; anything else is ignored here
// because the policy reports malformed configuration itself.
func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, item := range list {
		if s, ok := item.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}
