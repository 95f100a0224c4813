package batch

import (
	"fmt"

	"github.com/apiguard/apiguard/pkg/manifest"
)

// Validate judges every entry as the API server would decode and validate it,
// before any policy: the validating webhooks never see an object the API server rejects,
// and such an object claims nothing in the offline inventory. It returns the error per
// entry (nil for entries it accepts, and for entries that are read errors already) and
// the accepted documents. Unknown-field warnings (manifest.FieldWarn) go to warn. The
// CRDs given (--crd) and then those among the entries supply custom resources' schemas
// (a later CRD of a kind replaces an earlier one, so the input's win); a CRD of the
// input that cannot be read is an error for its own document, one of crds an error for
// the run.
func Validate(fields manifest.FieldValidation, crds []manifest.Document, entries []manifest.Entry, warn func(error)) ([]error, []manifest.Document, error) {
	var docs []manifest.Document
	docIndex := make([]int, len(entries))
	for i, e := range entries {
		docIndex[i] = -1
		if e.Document != nil {
			docIndex[i] = len(docs)
			docs = append(docs, *e.Document)
		}
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
			warn(fmt.Errorf("%s: document %d (line %d): %s %s: %s", d.File, d.Index, d.Line, d.Kind(), d.Name(), w))
		}
		if rejected[i] == nil {
			valid = append(valid, d)
		}
	}
	return rejected, valid, nil
}
