package policy

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// inventoryStore is the storage.Store a PolicySet's queries read. Its data is a chain of
// immutable snapshots: the document the set was compiled with, and then one per
// inventory batch, each an in-memory store nobody ever writes. An evaluation's read
// transaction pins the snapshot that was current when it began and reads only that one,
// so it sees a batch whole or not at all. A batch builds the next snapshot beside the
// current one and swaps it in atomically: no evaluation waits for a write and no write
// waits for an evaluation.
//
// OPA's inmem store, written in place, did not have this property: its writer's commit
// takes the store's RWMutex exclusively, so it waits for every evaluation in flight, and
// Go's RWMutex then queues every new evaluation behind the waiting writer. One slow
// policy on one kind plus one inventory change stalled every admission.
//
// Snapshots share everything but the path to what changed: a batch copies the root, the
// apiguard object, the inventory object and the sections it touches (each shallowly), and
// nothing else. Values are never modified once published.
type inventoryStore struct {
	// mu serialises writers: each reads the current snapshot and publishes the next.
	mu sync.Mutex
	// base is the root document of the compile-time store, never written.
	base map[string]any
	cur  atomic.Pointer[inventorySnapshot]
}

type inventorySnapshot struct {
	store storage.Store
	// inventory is data.apiguard.inventory in this snapshot, nil before the first seed.
	inventory map[string]any
}

// inventoryTxn is a read transaction on one snapshot.
type inventoryTxn struct {
	store storage.Store
	txn   storage.Transaction
}

func (t *inventoryTxn) ID() uint64 { return t.txn.ID() }

// newInventoryStore wraps the store a set was compiled with. The wrapped store is read
// once, for its root document, and never written again.
func newInventoryStore(ctx context.Context, compiled storage.Store) (*inventoryStore, error) {
	var root map[string]any
	err := storage.Txn(ctx, compiled, storage.TransactionParams{}, func(txn storage.Transaction) error {
		v, err := compiled.Read(ctx, txn, storage.RootPath)
		if err != nil {
			return err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("data root is %T, want an object", v)
		}
		root = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read policy data: %w", err)
	}
	s := &inventoryStore{base: root}
	var inv map[string]any
	if ag, ok := root["apiguard"].(map[string]any); ok {
		inv, _ = ag["inventory"].(map[string]any)
	}
	s.cur.Store(&inventorySnapshot{store: compiled, inventory: inv})
	return s, nil
}

// inventoryChange sets data.apiguard.inventory.<section>.<key>, or removes the key when
// value is nil. value holds JSON types only (see jsonValue).
type inventoryChange struct {
	section, key string
	value        any
}

// seed publishes a snapshot whose inventory is doc, replacing the previous inventory.
func (s *inventoryStore) seed(doc map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.publish(doc)
}

// apply publishes one snapshot holding every change of the batch, or none of them when a
// change names a section that does not exist.
func (s *inventoryStore) apply(changes []inventoryChange) error {
	if len(changes) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load().inventory
	inv := maps.Clone(old)
	if inv == nil {
		inv = map[string]any{}
	}
	copied := map[string]bool{}
	changed := false
	for _, c := range changes {
		sec, ok := inv[c.section].(map[string]any)
		if !ok && c.value == nil && inv[c.section] == nil {
			continue // removing from a section that does not exist: nothing to remove
		}
		if !ok {
			return fmt.Errorf("inventory section %s does not exist; seed the inventory first", c.section)
		}
		if c.value == nil {
			if _, present := sec[c.key]; !present {
				continue
			}
		}
		if !copied[c.section] {
			sec = maps.Clone(sec)
			inv[c.section] = sec
			copied[c.section] = true
		}
		if c.value == nil {
			delete(sec, c.key)
		} else {
			sec[c.key] = c.value
		}
		changed = true
	}
	if !changed {
		return nil
	}
	return s.publish(inv)
}

// publish builds the snapshot with inventory inv over the base document and swaps it in.
// Must be called with s.mu held; inv must not be modified afterwards.
func (s *inventoryStore) publish(inv map[string]any) error {
	root := maps.Clone(s.base)
	var ag map[string]any
	switch v := s.base["apiguard"].(type) {
	case nil:
		ag = map[string]any{}
	case map[string]any:
		ag = maps.Clone(v)
	default:
		return fmt.Errorf("data.apiguard is %T, want an object", v)
	}
	ag["inventory"] = inv
	root["apiguard"] = ag
	// No round trip: the values are JSON types already (jsonValue, or the compile-time
	// store's own), and the new store must share them, not copy them.
	store := inmem.NewFromObjectWithOpts(root, inmem.OptRoundTripOnWrite(false))
	s.cur.Store(&inventorySnapshot{store: store, inventory: inv})
	return nil
}

func errInventoryStoreReadOnly() error {
	return &storage.Error{
		Code:    storage.WritesNotSupportedErr,
		Message: "policy set data is written through SeedInventory and ApplyInventory only",
	}
}

func (s *inventoryStore) NewTransaction(ctx context.Context, params ...storage.TransactionParams) (storage.Transaction, error) {
	if len(params) > 0 && params[0].Write {
		return nil, errInventoryStoreReadOnly()
	}
	snap := s.cur.Load()
	txn, err := snap.store.NewTransaction(ctx, params...)
	if err != nil {
		return nil, err
	}
	return &inventoryTxn{store: snap.store, txn: txn}, nil
}

func unwrap(txn storage.Transaction) (*inventoryTxn, error) {
	t, ok := txn.(*inventoryTxn)
	if !ok {
		return nil, &storage.Error{Code: storage.InvalidTransactionErr, Message: fmt.Sprintf("unexpected transaction type %T", txn)}
	}
	return t, nil
}

func (s *inventoryStore) Read(ctx context.Context, txn storage.Transaction, path storage.Path) (any, error) {
	t, err := unwrap(txn)
	if err != nil {
		return nil, err
	}
	return t.store.Read(ctx, t.txn, path)
}

func (s *inventoryStore) Write(context.Context, storage.Transaction, storage.PatchOp, storage.Path, any) error {
	return errInventoryStoreReadOnly()
}

func (s *inventoryStore) Commit(ctx context.Context, txn storage.Transaction) error {
	t, err := unwrap(txn)
	if err != nil {
		return err
	}
	return t.store.Commit(ctx, t.txn)
}

func (s *inventoryStore) Abort(ctx context.Context, txn storage.Transaction) {
	if t, err := unwrap(txn); err == nil {
		t.store.Abort(ctx, t.txn)
	}
}

func (s *inventoryStore) Truncate(context.Context, storage.Transaction, storage.TransactionParams, storage.Iterator) error {
	return errInventoryStoreReadOnly()
}

// Register refuses triggers: a snapshot swap is not a commit they would see.
func (s *inventoryStore) Register(context.Context, storage.Transaction, storage.TriggerConfig) (storage.TriggerHandle, error) {
	return nil, &storage.Error{Code: storage.TriggersNotSupportedErr, Message: "policy set data takes no triggers"}
}

func (s *inventoryStore) ListPolicies(ctx context.Context, txn storage.Transaction) ([]string, error) {
	t, err := unwrap(txn)
	if err != nil {
		return nil, err
	}
	return t.store.ListPolicies(ctx, t.txn)
}

func (s *inventoryStore) GetPolicy(ctx context.Context, txn storage.Transaction, id string) ([]byte, error) {
	t, err := unwrap(txn)
	if err != nil {
		return nil, err
	}
	return t.store.GetPolicy(ctx, t.txn, id)
}

func (s *inventoryStore) UpsertPolicy(context.Context, storage.Transaction, string, []byte) error {
	return errInventoryStoreReadOnly()
}

func (s *inventoryStore) DeletePolicy(context.Context, storage.Transaction, string) error {
	return errInventoryStoreReadOnly()
}

var _ storage.Store = (*inventoryStore)(nil)
