package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
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

// readCRDs reads the --crd paths and keeps their CustomResourceDefinitions. What cannot
// be read there is an error for the run: a schema the user asked for is missing.
func readCRDs(o checkOptions) ([]manifest.Document, error) {
	if len(o.inputs.crds) == 0 {
		return nil, nil
	}
	entries, err := manifest.ReadEntries(o.inputs.crds, manifest.Options{Warn: o.warn, DropObjects: true, IncludeHidden: o.inputs.includeHidden})
	if err != nil {
		return nil, fmt.Errorf("--crd: %w", err)
	}
	var crds []manifest.Document
	for _, e := range entries {
		switch {
		case e.Err != nil:
			return nil, fmt.Errorf("--crd: %w", e.Err)
		case manifest.IsCRD(*e.Document):
			crds = append(crds, *e.Document)
		}
	}
	return crds, nil
}

// readInputs reads every path, keeping files and documents that could not be read as
// entries in their place, so the run goes on and reports them with the rest.
func readInputs(args []string, stdin io.Reader, o checkOptions, stderr io.Writer) ([]manifest.Entry, []manifest.Document, error) {
	entries, err := manifest.ReadEntries(args, manifest.Options{
		Stdin: stdin, Ignore: o.ignore, Warn: o.warn, DropObjects: true,
		IncludeHidden: o.inputs.includeHidden,
		Note:          func(msg string) { fmt.Fprintln(stderr, "apiguard: note:", msg) },
	})
	if err != nil {
		return nil, nil, err
	}
	var docs []manifest.Document
	for _, e := range entries {
		if e.Document != nil {
			docs = append(docs, *e.Document)
		}
	}
	return entries, docs, nil
}

// validateInputs judges every document as the API server would decode and validate
// it, before any policy: the validating webhooks never see an object the API server
// rejects. It returns the error per entry (nil for entries it accepts, and for entries
// that are read errors already) and the accepted documents. Unknown-field warnings
// (--validate=warn) go to stderr. The CRDs of --crd and then those among docs supply
// custom resources' schemas (a later CRD of a kind replaces an earlier one, so the
// input's win); a CRD of the input that cannot be read is an error for its own
// document, one of --crd an error for the run.
func validateInputs(o checkOptions, entries []manifest.Entry, docs []manifest.Document) ([]error, []manifest.Document, error) {
	fields, err := manifest.ParseFieldValidation(o.inputs.validate)
	if err != nil {
		return nil, nil, fmt.Errorf("--validate: %w", err)
	}
	crds, err := readCRDs(o)
	if err != nil {
		return nil, nil, err
	}
	v, errs := manifest.NewValidator(fields, append(crds, docs...))
	crdErrs := map[int]error{}
	for i, err := range errs {
		if i < len(crds) {
			d := crds[i]
			return nil, nil, fmt.Errorf("--crd %s: document %d (line %d): %w", d.File, d.Index, d.Line, err)
		}
		crdErrs[i-len(crds)] = err
	}
	rejected := make([]error, len(entries))
	warnings := make([][]string, len(entries))
	docIndex := make([]int, len(entries))
	n := 0
	for i, e := range entries {
		docIndex[i] = -1
		if e.Document != nil {
			docIndex[i] = n
			n++
		}
	}
	forEach(len(entries), func(i int) {
		d := entries[i].Document
		switch {
		case d == nil:
		case crdErrs[docIndex[i]] != nil:
			rejected[i] = crdErrs[docIndex[i]]
		default:
			warnings[i], rejected[i] = v.Validate(*d)
		}
	})
	var valid []manifest.Document
	for i, e := range entries {
		if e.Document == nil {
			continue
		}
		d := *e.Document
		for _, w := range warnings[i] {
			o.warn(fmt.Errorf("%s: document %d (line %d): %s %s: %s", d.File, d.Index, d.Line, d.Kind(), d.Name(), w))
		}
		if rejected[i] == nil {
			valid = append(valid, d)
		}
	}
	return rejected, valid, nil
}

// inputErrorResult is the report of a file or document that could not be read: no
// object, an error at its place.
func inputErrorResult(e *manifest.Error) report.Result {
	return report.Result{File: e.File, Index: e.Index, Item: e.Item, Line: e.Line, Err: e.Err}
}

// withDefaultNamespace names an object that was not evaluated in the namespace its
// request would have had, as evaluated ones are (policy.RequestFor).
func withDefaultNamespace(r *report.Result, namespace string) {
	gv, err := schema.ParseGroupVersion(r.APIVersion)
	if r.Namespace == "" && err == nil && !policy.IsClusterScoped(gv.Group, r.Kind) {
		r.Namespace = namespace
	}
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

// withTimeout runs eval under the per-object deadline and words a deadline it hit.
func withTimeout(ctx context.Context, timeout time.Duration, eval func(context.Context) error) error {
	if timeout <= 0 {
		return eval(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := eval(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("evaluation took longer than --timeout %s, so no policy has judged this object (at admission it would time out too)", timeout)
	}
	return err
}
