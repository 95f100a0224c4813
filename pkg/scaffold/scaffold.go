// Package scaffold writes a policy repository to start from (`apiguard init`): the
// bundled library with its tests, a data.yaml listing every configuration key, a
// per-cluster example, a guide for policy authors, CI and pre-commit configuration. It
// never overwrites a file unless told to.
package scaffold

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5"

	"github.com/apiguard/apiguard/internal/atomicfile"
)

// Options says what to write.
type Options struct {
	// Library is the bundled policy tree (policies.FS()); it is copied under policies/.
	Library fs.FS
	// Version pins the apiguard the CI workflow and pre-commit hook install ("v0.1.0").
	Version string
	// Force overwrites files that exist. Without it, Write changes nothing when any
	// file it would write exists.
	Force bool
}

// Result says what Write did.
type Result struct {
	// Files are the paths written, relative to the directory, in order.
	Files []string
	// GitInit is set when Write created a Git repository (the directory was in none).
	GitInit bool
}

// ErrExists is returned, wrapped, when files exist and Force is not set.
var ErrExists = errors.New("files exist")

// Write lays the repository out in dir, creating it if needed.
func Write(dir string, o Options) (Result, error) {
	files, err := layout(o)
	if err != nil {
		return Result{}, err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	if !o.Force {
		var existing []string
		for _, name := range names {
			if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
				existing = append(existing, name)
			}
		}
		if len(existing) > 0 {
			shown := existing[:min(5, len(existing))]
			more := ""
			if len(existing) > len(shown) {
				more = fmt.Sprintf(" and %d more", len(existing)-len(shown))
			}
			return Result{}, fmt.Errorf("%w in %s: %s%s; nothing was written (--force overwrites them)", ErrExists, dir, strings.Join(shown, ", "), more)
		}
	}
	var res Result
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return res, err
		}
		if err := atomicfile.Write(p, files[name], 0o644); err != nil {
			return res, err
		}
		res.Files = append(res.Files, name)
	}
	if _, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true}); errors.Is(err, git.ErrRepositoryNotExists) {
		if _, err := git.PlainInit(dir, false); err != nil {
			return res, fmt.Errorf("git init %s: %w", dir, err)
		}
		res.GitInit = true
	} else if err != nil {
		return res, fmt.Errorf("open the Git repository around %s: %w", dir, err)
	}
	return res, nil
}

// layout is every file of the repository, by slash-separated path.
func layout(o Options) (map[string][]byte, error) {
	if o.Library == nil {
		return nil, errors.New("scaffold: no library")
	}
	files := map[string][]byte{}
	err := fs.WalkDir(o.Library, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch path.Ext(p) {
		case ".rego", ".md", ".json", ".yaml", ".yml":
			b, err := fs.ReadFile(o.Library, p)
			if err != nil {
				return err
			}
			files["policies/"+p] = b
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the library: %w", err)
	}
	readme, ok := files["policies/README.md"]
	if !ok {
		return nil, errors.New("scaffold: the library has no README.md to list its configuration from")
	}
	version := o.Version
	if version == "" || version == "devel" {
		version = "latest"
	}
	files["policies/data.yaml"] = DataYAML(ConfigKeys(readme))
	files["policies/clusters/example/data.yaml"] = template("cluster-example.yaml")
	files["manifests/example-ingress.yaml"] = template("example-ingress.yaml")
	files["README.md"] = template("README.md")
	files[".github/workflows/apiguard.yaml"] = []byte(strings.ReplaceAll(string(template("workflow.yaml")), "{{version}}", version))
	// pre-commit needs a Git revision: a release tag, or main for a development build.
	files[".pre-commit-config.yaml"] = []byte(strings.ReplaceAll(string(template("pre-commit-config.yaml")), "{{version}}", strings.Replace(version, "latest", "main", 1)))
	return files, nil
}
