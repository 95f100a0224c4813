package yamledit

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	sigsyaml "sigs.k8s.io/yaml"
)

// errVerify means an edit did not come out as the patch asks: a bug here,
// or YAML that the two parsers read differently. Either way it is caught
// before anything is returned.
var errVerify = errors.New("internal error: the edited document does not decode to the patched object (please report)")

// verifyYAML checks that kubectl's decoder reads the edited document as the
// original with the patch applied, and nothing else changed.
func verifyYAML(before, after []byte, e DocumentEdit) error {
	bj, err := sigsyaml.YAMLToJSON(before)
	if err != nil {
		return err
	}
	want, _, err := patchJSON(bj, itemPrefix(e.Item), e.Ops)
	if err != nil {
		return err
	}
	got, err := sigsyaml.YAMLToJSON(after)
	if err != nil {
		return fmt.Errorf("%w: %v", errVerify, err)
	}
	if !jsonEqual(want, got) {
		return errVerify
	}
	return nil
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
