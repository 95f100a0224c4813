package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/apiguard/apiguard/pkg/evaluate/batch"
	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/report"
)

// defaultTimeout bounds the evaluation of one object. The webhook's budget is seconds
// too; an object that takes longer in CI would time out at admission as well, and must
// not stall the rest of the run (a 20,000-host Ingress took 377 s before the policies
// were made O(n log n)).
const defaultTimeout = 10 * time.Second

// inputOptions are check's flags about reading and validating its inputs.
type inputOptions struct {
	includeHidden bool
	// validate is --validate: what an unknown field costs (kubectl's spellings).
	validate string
	timeout  time.Duration
	// crds are --crd paths: CustomResourceDefinitions whose schemas validate the
	// custom resources of the input, as the cluster's CRDs would, without being judged.
	crds []string
}

func bindInputFlags(f *pflag.FlagSet, o *inputOptions) {
	f.BoolVar(&o.includeHidden, "include-hidden", false, "also read hidden files and directories (.github/, .config.yaml) when walking directories; skipped with a note otherwise")
	f.StringVar(&o.validate, "validate", "strict", `what an unknown field costs: strict (an error, as kubectl apply's default --validate=strict), warn (a warning; the API server drops the field) or ignore. Type, enum and format errors are always errors: the API server rejects them whatever fieldValidation says`)
	f.DurationVar(&o.timeout, "timeout", defaultTimeout, "longest evaluation of one object; an object over it is an error (exit 2) and the run goes on; 0 means no limit")
	f.StringArrayVar(&o.crds, "crd", nil, "file or directory of CustomResourceDefinitions (the cluster's, e.g. Gateway API's standard-install.yaml) whose schemas validate custom resources in the input, which are otherwise judged unvalidated; other documents there are ignored, and a CRD in the input wins over one of the same kind here; repeatable")
}

// readInputs reads every path, keeping files and documents that could not be read as
// entries in their place, so the run goes on and reports them with the rest.
func readInputs(args []string, stdin io.Reader, o checkOptions, stderr io.Writer) ([]manifest.Entry, error) {
	return manifest.ReadEntries(args, manifest.Options{
		Stdin: stdin, Ignore: o.ignore, Warn: o.warn, DropObjects: true,
		IncludeHidden: o.inputs.includeHidden,
		Note:          func(msg string) { fmt.Fprintln(stderr, "apiguard: note:", msg) },
	})
}

// validateInputs judges every document as the API server would, with the schemas of the
// --crd CustomResourceDefinitions and those of the input (batch.Validate).
func validateInputs(o checkOptions, entries []manifest.Entry) ([]error, []manifest.Document, error) {
	fields, err := manifest.ParseFieldValidation(o.inputs.validate)
	if err != nil {
		return nil, nil, fmt.Errorf("--validate: %w", err)
	}
	crds, err := manifest.ReadCRDs(o.inputs.crds, manifest.Options{Warn: o.warn, DropObjects: true, IncludeHidden: o.inputs.includeHidden})
	if err != nil {
		return nil, nil, fmt.Errorf("--crd: %w", err)
	}
	return batch.Validate(fields, crds, entries, o.warn)
}

// echoErrors writes input and evaluation errors to stderr too, for the machine formats
// whose output usually goes to a file a person does not read; text already shows them.
func echoErrors(w io.Writer, format string, results []report.Result) {
	if format == "text" || format == "" {
		return
	}
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		where := r.File
		if r.Line > 0 {
			where = fmt.Sprintf("%s:%d", r.File, r.Line)
		}
		if r.Kind != "" || r.Name != "" {
			where += " " + r.Kind + " " + r.Name
		}
		fmt.Fprintf(w, "apiguard: error: %s: %v\n", where, r.Err)
	}
}
