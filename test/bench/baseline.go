package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// targetBaseline is an earlier apiguard (-baseline): its own binaries and its own bundled
// library, built from a commit of this repository, so one run measures the current code
// against it on the same machine at the same time.
const targetBaseline = "baseline"

// baseline is the earlier apiguard, built.
type baseline struct {
	// Commit is the short commit it was built from; Rev how it was asked for.
	Commit string `json:"commit"`
	Rev    string `json:"rev"`
	dir    string
}

func (b *baseline) webhook() string  { return filepath.Join(b.dir, "bin", "webhook") }
func (b *baseline) cli() string      { return filepath.Join(b.dir, "bin", "apiguard") }
func (b *baseline) policies() string { return filepath.Join(b.dir, "policies") }

// config is the examples' configuration of that tree, which its library was written
// against; the current one when that tree has none.
func (b *baseline) config(root string) string {
	if p := filepath.Join(b.dir, "test", "examples-config.yaml"); fileExists(p) {
		return p
	}
	return filepath.Join(root, "test", "examples-config.yaml")
}

func (b *baseline) remove() { os.RemoveAll(b.dir) }

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// buildBaseline extracts rev's tree with git archive (no worktree, so the checkout is
// left alone) and builds its webhook and CLI with the local toolchain.
func buildBaseline(ctx context.Context, log io.Writer, root, rev string) (_ *baseline, err error) {
	commit, err := gitOutput(ctx, root, "rev-parse", "--short", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("-baseline %s: %w (a full clone has the history; a shallow one may not)", rev, err)
	}
	dir, err := os.MkdirTemp("", "apiguard-bench-baseline-")
	if err != nil {
		return nil, err
	}
	b := &baseline{Commit: commit, Rev: rev, dir: dir}
	defer func() {
		if err != nil {
			b.remove()
		}
	}()
	fmt.Fprintf(log, "baseline: building %s (%s) into %s\n", rev, commit, dir)
	archive := exec.CommandContext(ctx, "git", "-C", root, "archive", "--format=tar", commit)
	extract := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return nil, err
	}
	extract.Stdin = pipe
	var stderr bytes.Buffer
	archive.Stderr, extract.Stderr = &stderr, &stderr
	if err := extract.Start(); err != nil {
		return nil, err
	}
	if err := archive.Run(); err != nil {
		return nil, fmt.Errorf("git archive %s: %w: %s", commit, err, stderr.String())
	}
	if err := extract.Wait(); err != nil {
		return nil, fmt.Errorf("extract %s: %w: %s", commit, err, stderr.String())
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "bin")+"/", "./cmd/webhook", "./cmd/apiguard")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build %s: %w: %s", commit, err, out)
	}
	return b, nil
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("git %s: %w %s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(string(out)), nil
}
