// Command genkinds writes the files derived from the table of exposure kinds (pkg/kinds):
// run from the repository root by `make generate`. With -check it writes nothing and
// fails, naming them, when any is not what the table gives.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apiguard/apiguard/internal/kindsgen"
	"github.com/apiguard/apiguard/pkg/kinds"
)

func main() {
	check := flag.Bool("check", false, "report stale files instead of writing them")
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "genkinds:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	files, err := kindsgen.Files(kinds.Table(), func(path string) ([]byte, error) {
		return os.ReadFile(filepath.Join(root, path))
	})
	if err != nil {
		return err
	}
	var stale []string
	for path, want := range files {
		full := filepath.Join(root, path)
		have, err := os.ReadFile(full)
		if err == nil && bytes.Equal(have, want) {
			continue
		}
		if check {
			stale = append(stale, path)
			continue
		}
		if err := os.WriteFile(full, want, 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		return fmt.Errorf("not generated from pkg/kinds (run make generate): %s", strings.Join(stale, ", "))
	}
	return nil
}
