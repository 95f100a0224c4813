package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/apiguard/apiguard/internal/atomicfile"
	"github.com/apiguard/apiguard/internal/unifieddiff"
	"github.com/apiguard/apiguard/pkg/report"
	"github.com/apiguard/apiguard/pkg/yamledit"
)

// fixMode says what to do with the secure-default patches the mutating policies propose.
type fixMode int

const (
	fixNone  fixMode = iota
	fixWrite         // --fix: write them into the files
	fixDiff          // --diff: print them as a unified diff, change nothing
)

// editsByFile groups the applied patches of every result by file, in document order.
// Dry-run patches are reported, never written.
func editsByFile(results []report.Result) (files []string, edits map[string][]yamledit.DocumentEdit) {
	edits = map[string][]yamledit.DocumentEdit{}
	for _, r := range results {
		if r.Err != nil || len(r.Patches) == 0 {
			continue
		}
		var ops []yamledit.Op
		for _, p := range r.Patches {
			if !p.DryRun {
				ops = append(ops, yamledit.Op{Op: p.Op, Path: p.Path, Value: p.Value})
			}
		}
		if len(ops) == 0 {
			continue
		}
		if _, seen := edits[r.File]; !seen {
			files = append(files, r.File)
		}
		edits[r.File] = append(edits[r.File], yamledit.DocumentEdit{Index: r.Index, Item: r.Item, Ops: ops})
	}
	return files, edits
}

// applyFixes writes the patches into their files (fixWrite) or prints a unified diff of
// what would change (fixDiff). Every file is edited in memory first, and nothing is
// written unless all of them could be: a half-fixed tree is worse than none.
func applyFixes(mode fixMode, results []report.Result, diffOut, log io.Writer) error {
	files, edits := editsByFile(results)
	type change struct {
		path     string
		old, new []byte
		mode     os.FileMode
	}
	var changes []change
	var errs []error
	for _, f := range files {
		if f == "-" {
			errs = append(errs, errors.New("standard input cannot be fixed: write the manifests to a file, or use --diff on files"))
			continue
		}
		fi, err := os.Stat(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		old, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		updated, err := yamledit.ApplyPatches(old, edits[f])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		if !slices.Equal(old, updated) {
			changes = append(changes, change{path: f, old: old, new: updated, mode: fi.Mode().Perm()})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	for _, c := range changes {
		switch mode {
		case fixDiff:
			name := filepath.ToSlash(c.path)
			if _, err := io.WriteString(diffOut, unifieddiff.Diff("a/"+name, "b/"+name, c.old, c.new)); err != nil {
				return err
			}
		case fixWrite:
			if err := atomicfile.Write(c.path, c.new, c.mode); err != nil {
				return err
			}
			fmt.Fprintf(log, "apiguard: fixed %s\n", c.path)
		}
	}
	return nil
}
