package policy

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
)

// PolicySet is a compiled snapshot of a policy tree, safe for concurrent use; a request
// reads one set from start to end. Its modules, policies, partitions, configuration and
// data are fixed once Load returns, with one exception: data.apiguard.inventory, which
// the webhook's inventory watch replaces (SeedInventory, ApplyInventory). Each write
// publishes a new immutable snapshot of the data and swaps it in atomically; each
// evaluation reads the snapshot current when it began (inventoryStore). So an evaluation
// sees a batch whole or not at all, a write never waits for an evaluation nor an
// evaluation for a write (a slow policy cannot stall other kinds through the
// inventory), and two evaluations of one request (the rounds of MutateAndEvaluate) may
// see different inventories.
type PolicySet struct {
	revision string
	policies []Policy
	exempt   []string
	// parts are the prepared per-kind queries: over the tree as written at first, over
	// the folded modules once Fold has run.
	parts    atomic.Pointer[partitions]
	warnings []string
	store    storage.Store
	// fold is what Fold needs and what it did (fold.go).
	fold folding
	// exceptions are the tree's PolicyExceptions, sorted by name; now is the one clock
	// they are applied at.
	exceptions          []Exception
	exceptionWarnWithin time.Duration
	now                 func() time.Time
}

// Revision identifies the snapshot this set was compiled from.
func (s *PolicySet) Revision() string { return s.revision }

// Policies lists the discovered policies, sorted by ID.
func (s *PolicySet) Policies() []Policy { return slices.Clone(s.policies) }

// Warnings lists non-fatal problems found while loading, such as an enforcement override
// for a policy ID that does not exist.
func (s *PolicySet) Warnings() []string { return slices.Clone(s.warnings) }

// ExemptNamespaces returns the configured exempt namespace patterns.
func (s *PolicySet) ExemptNamespaces() []string { return slices.Clone(s.exempt) }

// allPolicies, as a key of data.apiguard.config.enforcement, sets the action of every
// policy that has no override of its own: the rollout stage ("warn" while a first
// install shows what it would deny, then "deny"), with per-policy overrides on top.
const allPolicies = "*"

type setConfig struct {
	enforcement map[string]Action
	exempt      []string
	exceptions  exceptionConfig
}

// readConfig reads the parts of data.apiguard.config the engine itself enforces. Policies
// read the rest (host suffixes, mutation defaults) directly from data.
func readConfig(data map[string]any) (setConfig, error) {
	cfg := setConfig{enforcement: map[string]Action{}, exceptions: defaultExceptionConfig()}
	apiguard, _ := data["apiguard"].(map[string]any)
	raw, _ := apiguard["config"].(map[string]any)
	if raw == nil {
		return cfg, nil
	}
	var err error
	if cfg.exceptions, err = readExceptionConfig(raw); err != nil {
		return cfg, err
	}
	if e, ok := raw["enforcement"]; ok && e != nil {
		m, ok := e.(map[string]any)
		if !ok {
			return cfg, fmt.Errorf("data.apiguard.config.enforcement must be an object of policy ID to action, got %T", e)
		}
		for id, v := range m {
			s, ok := v.(string)
			if !ok {
				return cfg, fmt.Errorf("data.apiguard.config.enforcement[%q] must be a string", id)
			}
			a, err := parseAction(s)
			if err != nil {
				return cfg, fmt.Errorf("data.apiguard.config.enforcement[%q]: %w", id, err)
			}
			cfg.enforcement[id] = a
		}
	}
	if e, ok := raw["exemptNamespaces"]; ok && e != nil {
		list, ok := e.([]any)
		if !ok {
			return cfg, fmt.Errorf("data.apiguard.config.exemptNamespaces must be a list of strings, got %T", e)
		}
		for _, v := range list {
			s, ok := v.(string)
			if !ok {
				return cfg, fmt.Errorf("data.apiguard.config.exemptNamespaces: %v is not a string", v)
			}
			if _, err := path.Match(s, ""); err != nil {
				return cfg, fmt.Errorf("data.apiguard.config.exemptNamespaces: bad pattern %q: %w", s, err)
			}
			cfg.exempt = append(cfg.exempt, s)
		}
	}
	return cfg, nil
}

func newPolicySet(ctx context.Context, compiler *ast.Compiler, store storage.Store, data map[string]any, revision string) (*PolicySet, error) {
	cfg, err := readConfig(data)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	policies, err := discover(compiler)
	if err != nil {
		return nil, err
	}
	set := &PolicySet{revision: revision, exempt: cfg.exempt, store: store, now: time.Now, exceptionWarnWithin: cfg.exceptions.warnWithin}
	known := map[string]bool{allPolicies: true}
	for i := range policies {
		p := &policies[i]
		known[p.ID] = true
		if a, ok := cfg.enforcement[p.ID]; ok {
			p.Enforcement = a
		} else if a, ok := cfg.enforcement[allPolicies]; ok {
			p.Enforcement = a
		}
	}
	for _, id := range sortedKeys(cfg.enforcement) {
		if !known[id] {
			set.warnings = append(set.warnings, fmt.Sprintf("enforcement override for unknown policy %q has no effect", id))
		}
	}
	set.policies = policies
	if err := set.applyEnabled(ctx, compiler); err != nil {
		return nil, err
	}
	parts, err := set.buildPartitions(ctx, compiler)
	if err != nil {
		return nil, err
	}
	set.parts.Store(parts)
	return set, nil
}
