package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/util"
)

// inventoryPath is data.apiguard.inventory: the one subtree of a PolicySet's data that
// changes after compilation. The webhook keeps it current from watches; everything else
// in a set is immutable. Writes are transactional, so an evaluation sees the inventory
// either before or after an update, never half of one.
func inventoryPath(parts ...string) storage.Path {
	return append(storage.Path{"apiguard", "inventory"}, parts...)
}

// SeedInventory replaces data.apiguard.inventory with doc. The webhook calls it on a new
// set before activating it, so the set never serves without the cluster's inventory.
func (s *PolicySet) SeedInventory(ctx context.Context, doc map[string]any) error {
	v, err := jsonValue(doc)
	if err != nil {
		return err
	}
	return storage.Txn(ctx, s.store, storage.WriteParams, func(txn storage.Transaction) error {
		if _, err := s.store.Read(ctx, txn, storage.Path{"apiguard"}); storage.IsNotFound(err) {
			return s.store.Write(ctx, txn, storage.AddOp, storage.Path{"apiguard"}, map[string]any{"inventory": v})
		} else if err != nil {
			return err
		}
		return s.store.Write(ctx, txn, storage.AddOp, inventoryPath(), v)
	})
}

// SetInventory sets data.apiguard.inventory.<section>.<key> to value, or removes the key
// when value is nil. The section must exist (SeedInventory creates it).
func (s *PolicySet) SetInventory(ctx context.Context, section, key string, value any) error {
	path := inventoryPath(section, key)
	return storage.Txn(ctx, s.store, storage.WriteParams, func(txn storage.Transaction) error {
		if value == nil {
			err := s.store.Write(ctx, txn, storage.RemoveOp, path, nil)
			if storage.IsNotFound(err) {
				return nil
			}
			return err
		}
		v, err := jsonValue(value)
		if err != nil {
			return err
		}
		// Add replaces an existing member of an object, so it serves both cases.
		err = s.store.Write(ctx, txn, storage.AddOp, path, v)
		if storage.IsNotFound(err) {
			return fmt.Errorf("inventory section %s does not exist; seed the inventory first: %w", section, err)
		}
		return err
	})
}

// jsonValue converts a Go value to the plain JSON types the store holds, so numbers keep
// their exact form and no caller type leaks into policy data.
func jsonValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode inventory: %w", err)
	}
	var out any
	if err := util.UnmarshalJSON(b, &out); err != nil {
		return nil, fmt.Errorf("encode inventory: %w", err)
	}
	if out == nil {
		return nil, errors.New("encode inventory: null value")
	}
	return out, nil
}

// ReadData returns the value at data.<path...> in the set's store, as JSON types, and
// whether it exists. Callers use it to read configuration the policies themselves read
// (for example the GitOps identities the CLI presents itself as).
func (s *PolicySet) ReadData(ctx context.Context, path ...string) (any, bool, error) {
	var out any
	err := storage.Txn(ctx, s.store, storage.TransactionParams{}, func(txn storage.Transaction) error {
		v, err := s.store.Read(ctx, txn, storage.Path(path))
		if err != nil {
			return err
		}
		out = v
		return nil
	})
	if storage.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read data.%s: %w", strings.Join(path, "."), err)
	}
	// The store may hold its own value types; hand back plain JSON ones.
	b, err := json.Marshal(out)
	if err != nil {
		return nil, false, fmt.Errorf("read data.%s: %w", strings.Join(path, "."), err)
	}
	var plain any
	if err := json.Unmarshal(b, &plain); err != nil {
		return nil, false, fmt.Errorf("read data.%s: %w", strings.Join(path, "."), err)
	}
	return plain, true, nil
}
