package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/sync/errgroup"
)

// runnable is one long-running part of the webhook: the server, the policy syncer, the
// inventory watch, the TLS rotator, the auditor. run returns once ctx ends; an error it
// returns before then is a failure, and stops the whole process.
type runnable struct {
	name string
	run  func(ctx context.Context) error
}

// runAll runs the runnables as one group, as controller-runtime's Manager runs its
// runnables: the first failure cancels the context of all the others, and runAll
// returns only once every runnable has returned, with their failures joined. So the
// process never serves on while a part it depends on is dead (a certificate rotator
// that stopped, an inventory that no longer follows the cluster), and nothing is still
// running when run's deferred cleanups remove the files the parts read.
//
// A runnable that has not returned grace after the group's context ended is reported
// by name in the error rather than waited for: the process exits non-zero instead of
// hanging until the kubelet kills it.
//
// An error that only reports the cancellation (context.Canceled once the group is
// stopping) is not a failure. A runnable that returns nil early just ends; the others
// go on.
func runAll(ctx context.Context, log logr.Logger, grace time.Duration, rs ...runnable) error {
	g, gctx := errgroup.WithContext(ctx)
	var (
		mu      sync.Mutex
		errs    []error
		running = map[string]int{}
	)
	for _, r := range rs {
		running[r.name]++
	}
	for _, r := range rs {
		g.Go(func() error {
			err := r.run(gctx)
			mu.Lock()
			defer mu.Unlock()
			running[r.name]--
			switch {
			case err == nil:
				if gctx.Err() == nil {
					log.V(1).Info("stopped", "runnable", r.name)
				}
				return nil
			case gctx.Err() != nil && errors.Is(err, context.Canceled):
				return nil
			}
			err = fmt.Errorf("%s: %w", r.name, err)
			log.Error(err, "a part of the webhook failed; stopping", "runnable", r.name)
			errs = append(errs, err)
			return err
		})
	}
	joined := make(chan struct{})
	go func() {
		_ = g.Wait()
		close(joined)
	}()
	collect := func() error {
		mu.Lock()
		defer mu.Unlock()
		return errors.Join(errs...)
	}
	select {
	case <-joined:
		return collect()
	case <-gctx.Done():
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-joined:
		return collect()
	case <-timer.C:
	}
	mu.Lock()
	var left []string
	for name, n := range running {
		if n > 0 {
			left = append(left, name)
		}
	}
	mu.Unlock()
	slices.Sort(left)
	err := fmt.Errorf("%v did not stop within %s of shutdown", left, grace)
	log.Error(err, "exiting without them")
	return errors.Join(collect(), err)
}
