package audit

import (
	"fmt"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/apiguard/apiguard/pkg/policy"
)

// Event rate: a burst after the first run, then a trickle. An Event the limit drops is
// retried next run, so every violating object gets its Event eventually.
const (
	eventsPerSecond = 5
	eventBurst      = 50
	// EventReason is the reason of the Warning Events audit records.
	EventReason = "PolicyViolation"
)

// eventSink records one Warning Event per newly violating object and policy: one that
// was not announced while it kept violating. A violation that goes away and comes back
// is announced again. Only deny and warn findings are announced: dryrun is meant to be
// silent, and a missing default is not a violation.
type eventSink struct {
	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder
	limit       flowcontrol.RateLimiter
	counter     *prometheus.CounterVec
	announced   map[string]bool
}

func newEventSink(cfg *rest.Config, counter *prometheus.CounterVec, log logr.Logger) (*eventSink, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	b := record.NewBroadcaster()
	b.StartLogging(func(format string, args ...any) { log.V(1).Info(fmt.Sprintf(format, args...)) })
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: cs.CoreV1().Events("")})
	return &eventSink{
		broadcaster: b,
		recorder:    b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "apiguard-audit"}),
		limit:       flowcontrol.NewTokenBucketRateLimiter(eventsPerSecond, eventBurst),
		counter:     counter,
		announced:   map[string]bool{},
	}, nil
}

func (s *eventSink) stop() { s.broadcaster.Shutdown() }

// announce records Events for the report's new violations and forgets the ones gone.
func (s *eventSink) announce(rep *Report) {
	current := map[string]bool{}
	for _, e := range rep.Entries {
		if e.Action != string(policy.ActionDeny) && e.Action != string(policy.ActionWarn) {
			continue
		}
		key := e.Namespace + "/" + e.Kind + "/" + e.Name + "/" + e.Policy
		if current[key] {
			continue
		}
		current[key] = true
		if s.announced[key] {
			continue
		}
		if !s.limit.TryAccept() {
			s.counter.WithLabelValues("dropped").Inc()
			continue
		}
		ref := &corev1.ObjectReference{APIVersion: e.APIVersion, Kind: e.Kind, Namespace: e.Namespace, Name: e.Name, UID: e.UID}
		s.recorder.Event(ref, corev1.EventTypeWarning, EventReason,
			fmt.Sprintf("[%s] %s (policy revision %s, found by audit)", e.Policy, e.Message, policy.ShortRevision(e.Revision)))
		s.counter.WithLabelValues("sent").Inc()
		s.announced[key] = true
	}
	for key := range s.announced {
		if !current[key] {
			delete(s.announced, key)
		}
	}
}
