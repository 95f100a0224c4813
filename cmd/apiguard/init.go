package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/apiguard/apiguard/pkg/report"
	"github.com/apiguard/apiguard/pkg/scaffold"
	library "github.com/apiguard/apiguard/policies"
)

func newInitCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a policy repository to start from: the built-in library, its configuration, CI",
		Long: `Write a policy repository into DIR (default: the current directory): the library built
into apiguard with its tests (policies/), a policies/data.yaml listing every
configuration key, commented, with its default, a clusters/ example, a guide for policy
authors (README.md), a GitHub Actions workflow running apiguard test and apiguard check,
and a .pre-commit-config.yaml. DIR becomes a Git repository if it is in none.

apiguard test policies/ passes in the result as written. Existing files are never
overwritten unless --force is given: with any of them present, nothing is written.`,
		Example: `  apiguard init platform-policies && cd platform-policies && apiguard test policies/`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runInit(dir, force, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that exist")
	return cmd
}

func runInit(dir string, force bool, out io.Writer) error {
	res, err := scaffold.Write(dir, scaffold.Options{Library: library.FS(), Version: buildVersion(), Force: force})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s into %s\n", report.Count(len(res.Files), "file"), dir)
	if res.GitInit {
		fmt.Fprintf(out, "initialized a Git repository in %s\n", dir)
	}
	fmt.Fprintf(out, "next: cd %s && apiguard test policies/ (README.md says how to change, test and roll out a policy)\n", dir)
	return nil
}
