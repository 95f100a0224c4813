package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apiguard/apiguard/pkg/policy"
)

// reloadResult is the compile-and-swap time of one policy tree.
type reloadResult struct {
	Policies int           `json:"policies"`
	Median   time.Duration `json:"median_ns"`
	Max      time.Duration `json:"max_ns"`
	// MedianCPU is the process's CPU time for the median-wall run's compile: on a shared
	// machine it shows how much of the wall time was waiting for a core.
	MedianCPU time.Duration `json:"median_cpu_ns"`
}

type reloadResults struct {
	Bundled   reloadResult `json:"bundled"`
	Synthetic reloadResult `json:"synthetic"`
}

// runReload measures what activating a new revision costs: read the tree, parse,
// compile, prepare the per-kind queries, and swap the set into a Holder, as the webhook
// does for every new Git revision. First the bundled library, then a synthetic one of
// synthetic policies made from copies of it.
func runReload(ctx context.Context, log io.Writer, root string, synthetic, runs int) (reloadResults, error) {
	var res reloadResults
	config, err := policy.ReadDataFiles([]string{filepath.Join(root, "test", "examples-config.yaml")})
	if err != nil {
		return res, err
	}
	library := os.DirFS(filepath.Join(root, "policies"))
	fmt.Fprintln(log, "reload: bundled library")
	if res.Bundled, err = measureReload(ctx, library, config, runs); err != nil {
		return res, err
	}
	dir, err := os.MkdirTemp("", "apiguard-bench-policies-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	if err := writeSyntheticLibrary(library, dir, synthetic); err != nil {
		return res, err
	}
	fmt.Fprintf(log, "reload: synthetic library of %d policies\n", synthetic)
	res.Synthetic, err = measureReload(ctx, os.DirFS(dir), config, runs)
	return res, err
}

func measureReload(ctx context.Context, fsys fs.FS, data []map[string]any, runs int) (reloadResult, error) {
	holder := policy.NewHolder()
	type run struct{ wall, cpu time.Duration }
	done := make([]run, 0, runs)
	var policies int
	for i := range runs {
		// Start from a collected heap so one run's garbage is not charged to the next.
		runtime.GC()
		cpu0, err := selfCPU()
		if err != nil {
			return reloadResult{}, err
		}
		start := time.Now()
		set, err := policy.Load(ctx, fsys, policy.LoadOptions{Revision: fmt.Sprintf("bench-%d", i), Data: data})
		if err != nil {
			return reloadResult{}, err
		}
		holder.Swap(set)
		wall := time.Since(start)
		cpu1, err := selfCPU()
		if err != nil {
			return reloadResult{}, err
		}
		done = append(done, run{wall, cpu1 - cpu0})
		policies = len(set.Policies())
	}
	slices.SortFunc(done, func(a, b run) int { return cmp.Compare(a.wall, b.wall) })
	mid := done[len(done)/2]
	return reloadResult{Policies: policies, Median: mid.wall, Max: done[len(done)-1].wall, MedianCPU: mid.cpu}, nil
}

var (
	packageLine = regexp.MustCompile(`(?m)^package ([a-z_][a-z0-9_.]*)$`)
	policyRule  = regexp.MustCompile(`(?m)^(deny|violation|warn|patch)\b`)
)

// writeSyntheticLibrary writes n policies into dir: the library's own policy modules,
// copied again and again, each copy under its own package prefix (synthetic.copyNN.), so
// the tree has real Rego with real METADATA, shared helpers and kinds spread as in the
// library. Helper packages without policy rules (lib/) are written once.
func writeSyntheticLibrary(library fs.FS, dir string, n int) error {
	var modules []string
	err := fs.WalkDir(library, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || policy.IsTestFile(p) {
			return err
		}
		modules = append(modules, p)
		return nil
	})
	if err != nil {
		return err
	}
	written := 0
	for copyNo := 0; written < n; copyNo++ {
		before := written
		for _, p := range modules {
			src, err := fs.ReadFile(library, p)
			if err != nil {
				return err
			}
			isPolicy := policyRule.Match(src)
			if !isPolicy && copyNo > 0 {
				continue
			}
			if isPolicy {
				if written == n {
					continue // the helpers further down the tree are still needed
				}
				written++
				src = packageLine.ReplaceAll(src, []byte(fmt.Sprintf("package synthetic.copy%02d.$1", copyNo)))
			}
			out := filepath.Join(dir, fmt.Sprintf("copy%02d", copyNo), filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(out, src, 0o644); err != nil {
				return err
			}
		}
		if written == before {
			return errors.New("the library has no policy modules to copy")
		}
	}
	return nil
}
