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

// data.apiguard.inventory is the one subtree of a PolicySet's data that changes after
// compilation. The webhook keeps it current from watches; everything else in a set is
// immutable. Each write publishes a new immutable snapshot of the set's data and swaps it
// in atomically (inventoryStore), so an evaluation sees the inventory before or after a
// batch, never part of one, and neither waits for the other.

// InventoryChange sets data.apiguard.inventory.<Section>.<Key> to Value, or removes the
// key when Value is nil.
type InventoryChange struct {
	Section, Key string
	Value        any
}

func (s *PolicySet) inventory() (*inventoryStore, error) {
	inv, ok := s.store.(*inventoryStore)
	if !ok {
		return nil, fmt.Errorf("policy set %s has no writable inventory (store %T)", s.revision, s.store)
	}
	return inv, nil
}

// SeedInventory replaces data.apiguard.inventory with doc. The webhook calls it on a new
// set before activating it, so the set never serves without the cluster's inventory.
func (s *PolicySet) SeedInventory(_ context.Context, doc map[string]any) error {
	store, err := s.inventory()
	if err != nil {
		return err
	}
	v, err := jsonValue(doc)
	if err != nil {
		return err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("encode inventory: %T, want an object", v)
	}
	return store.seed(m)
}

// SetInventory sets data.apiguard.inventory.<section>.<key> to value, or removes the key
// when value is nil. The section must exist (SeedInventory creates it).
func (s *PolicySet) SetInventory(ctx context.Context, section, key string, value any) error {
	return s.ApplyInventory(ctx, []InventoryChange{{Section: section, Key: key, Value: value}})
}

// ApplyInventory applies a batch of changes as one: an evaluation sees all of them or
// none. A change that writes into a section that does not exist fails the whole batch.
// The cost of a batch is a shallow copy of each section it touches, so callers with many
// changes (a watch under churn) should batch them rather than call SetInventory per key.
func (s *PolicySet) ApplyInventory(_ context.Context, changes []InventoryChange) error {
	store, err := s.inventory()
	if err != nil {
		return err
	}
	batch := make([]inventoryChange, 0, len(changes))
	for _, c := range changes {
		ch := inventoryChange{section: c.Section, key: c.Key}
		if c.Value != nil {
			v, err := jsonValue(c.Value)
			if err != nil {
				return err
			}
			ch.value = v
		}
		batch = append(batch, ch)
	}
	return store.apply(batch)
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
