// Command apiguard is the offline CLI: it runs the webhook's policy engine on manifests,
// with the same input shape, so what passes in CI passes at admission.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/report"
	"github.com/apiguard/apiguard/pkg/source"
)

// exitError carries an exit code out of a command; only main turns it into os.Exit.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func main() {
	// Ctrl-C (or a CI runner's SIGTERM) cancels the context, so a Git fetch stops and its
	// temporary directory is removed on the way out, as the webhook does on SIGTERM.
	// The first signal restores the default handling: a second one kills at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	code := execute(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs the CLI and returns the process exit code; tests call it directly.
func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand(stdin)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return report.ExitAllowed
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "apiguard:", ee.err)
		}
		return ee.code
	}
	// Anything else is a usage or setup problem.
	fmt.Fprintln(stderr, "apiguard:", err)
	return report.ExitError
}

func newRootCommand(stdin io.Reader) *cobra.Command {
	root := &cobra.Command{
		Use:           "apiguard",
		Short:         "Check Kubernetes API exposure against apiguard's Rego policies, offline",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newCheckCommand(stdin), newTestCommand(), newAuditCommand(), newStatusCommand(), newInitCommand(), newVersionCommand())
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the built-in library's revision, the OPA version and the capabilities hash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			version := buildVersion()
			library, err := source.Library().Snapshot(cmd.Context())
			if err != nil {
				return err
			}
			// The engine lines let a CI log show exactly which engine judged: two
			// builds with the same capabilities hash accept the same Rego. The library
			// revision is the one the webhook's /status shows for source builtin.
			fmt.Fprintf(cmd.OutOrStdout(), "apiguard %s\nlibrary %s\nopa %s\ncapabilities %s\n", version, library.Revision, policy.EngineVersion(), policy.CapabilitiesHash())
			return nil
		},
	}
}
