package admission

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/references"
)

// AuditAnnotationRevision is the key of the audit annotation carrying the short policy
// revision (a Git commit's short SHA). The API server prefixes it with the webhook's
// name, so audit logs show "<webhook name>/policy-revision"; a key with its own "/"
// would be rejected.
const AuditAnnotationRevision = "policy-revision"

// Defaults, chosen to stay inside the webhook configurations' timeoutSeconds (5s for
// validation, 3s for mutation): evaluation gives up well before the API server does.
const (
	DefaultEvalTimeout    = 2 * time.Second
	DefaultMaxObjectDepth = 100
	inFlightPerCPU        = 4
)

// Options configure the admission handlers.
type Options struct {
	// Policies holds the active policy set. With none active every request is
	// undecided (HTTP 503) and the failurePolicy applies: never allow by default.
	Policies *policy.Holder
	// EvalTimeout bounds one request's evaluation, including waiting for a slot.
	EvalTimeout time.Duration
	// MaxInFlight caps concurrent evaluations; 0 means GOMAXPROCS × 4. Policy evaluation
	// is CPU-bound, so more parallelism than cores only adds latency and memory.
	MaxInFlight int
	// MaxMutationRounds bounds the patch fixed-point loop.
	MaxMutationRounds int
	// MemoryBudget bounds the estimated memory of the requests being decided at once, in
	// bytes (see memory.go); 0 means DefaultMemoryBudget, negative switches it off.
	MemoryBudget int64
	// BodyMemoryFactor is the estimated memory per body byte; 0 means
	// DefaultBodyMemoryFactor.
	BodyMemoryFactor int
	// MaxObjectDepth rejects objects nested deeper than this: no Kubernetes object comes
	// close, and deep nesting is a cheap way to make a decoder or policy work hard.
	MaxObjectDepth int
	// OwnNamespace and OwnServiceAccount identify the webhook itself. Its own objects and
	// its own requests are exempt so it can never lock itself out.
	OwnNamespace      string
	OwnServiceAccount string
	Metrics           *Metrics
	Log               logr.Logger
	// References reads the objects a request's object refers to (a TykOasApiDefinition's
	// ConfigMap, one GET; an Ingress's Tyk template, one GET, and for a Tyk OAS template
	// a second for its ConfigMap) into input.references, inside the evaluation budget. Nil
	// passes none, which the policies that need them deny as unresolved.
	References references.Lookup
}

// Handlers serves /validate and /mutate. Both share one concurrency cap.
type Handlers struct {
	opts   Options
	sem    chan struct{}
	memory *memoryBudget
}

// New checks opts and builds the handlers.
func New(opts Options) (*Handlers, error) {
	if opts.Policies == nil {
		return nil, errors.New("admission: Policies holder is required")
	}
	if opts.Metrics == nil {
		return nil, errors.New("admission: Metrics are required")
	}
	if opts.EvalTimeout <= 0 {
		opts.EvalTimeout = DefaultEvalTimeout
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = runtime.GOMAXPROCS(0) * inFlightPerCPU
	}
	if opts.MaxMutationRounds <= 0 {
		opts.MaxMutationRounds = policy.DefaultMaxMutationRounds
	}
	if opts.MaxObjectDepth <= 0 {
		opts.MaxObjectDepth = DefaultMaxObjectDepth
	}
	if opts.MemoryBudget == 0 {
		opts.MemoryBudget = DefaultMemoryBudget
	}
	if opts.BodyMemoryFactor <= 0 {
		opts.BodyMemoryFactor = DefaultBodyMemoryFactor
	}
	return &Handlers{
		opts:   opts,
		sem:    make(chan struct{}, opts.MaxInFlight),
		memory: newMemoryBudget(opts.MemoryBudget, opts.BodyMemoryFactor),
	}, nil
}

// Validate returns the /validate HTTP handler.
func (h *Handlers) Validate() http.Handler { return h.serve("validate", h.validate) }

// Mutate returns the /mutate HTTP handler.
func (h *Handlers) Mutate() http.Handler { return h.serve("mutate", h.mutate) }

type decideFunc func(ctx context.Context, set *policy.PolicySet, req admission.Request) (admission.Response, string, error)

// serve wraps a decide function in controller-runtime's Webhook (decoding, v1/v1beta1,
// body limits, response encoding) and the failure-policy writer.
func (h *Handlers) serve(name string, decide decideFunc) http.Handler {
	wh := &admission.Webhook{
		Handler: admission.HandlerFunc(func(ctx context.Context, req admission.Request) admission.Response {
			return h.handle(ctx, name, decide, req)
		}),
		WithContextFunc: withAPIServerTimeout,
		LogConstructor: func(_ logr.Logger, req *admission.Request) logr.Logger {
			l := h.opts.Log.WithValues("webhook", name)
			if req != nil {
				l = l.WithValues("uid", req.UID, "kind", req.Kind.Kind, "namespace", req.Namespace, "name", req.Name, "operation", req.Operation)
			}
			return l
		},
	}
	return h.withMemoryBudget(name, withFailurePolicy(wh))
}

func (h *Handlers) handle(ctx context.Context, webhook string, decide decideFunc, req admission.Request) (resp admission.Response) {
	start := time.Now()
	decision := decisionError
	log := h.opts.Log.WithValues("webhook", webhook, "uid", req.UID, "kind", req.Kind.Kind, "namespace", req.Namespace, "name", req.Name, "operation", req.Operation)
	defer func() {
		// A panic is a bug, never a verdict: recover it into an undecided answer.
		if r := recover(); r != nil {
			log.Error(fmt.Errorf("%v", r), "panic while deciding a request")
			resp = h.undecided(ctx, webhook, "panic", http.StatusInternalServerError, errors.New("internal error"))
			decision = decisionError
		}
		h.opts.Metrics.requests.WithLabelValues(webhook, req.Kind.Kind, string(req.Operation), decision).Inc()
		h.opts.Metrics.duration.WithLabelValues(webhook).Observe(time.Since(start).Seconds())
	}()

	// One set for the whole request, read once: its revision is stamped on every answer.
	set := h.opts.Policies.Current()
	if err := h.checkRequest(req); err != nil {
		decision = decisionBadRequest
		log.Info("rejecting malformed admission request", "error", err.Error())
		return withRevision(admission.Errored(http.StatusBadRequest, err), set)
	}
	if reason := h.exemption(req); reason != "" {
		decision = decisionExempt
		return withRevision(admission.Allowed(reason), set)
	}
	if set == nil {
		return h.undecided(ctx, webhook, "no_policy", http.StatusServiceUnavailable, errors.New("no policy set is active yet"))
	}

	ctx, cancel := context.WithTimeout(ctx, h.budget(ctx))
	defer cancel()
	select {
	case h.sem <- struct{}{}:
		h.opts.Metrics.inFlight.Inc()
		defer func() { <-h.sem; h.opts.Metrics.inFlight.Dec() }()
	case <-ctx.Done():
		return h.undecided(ctx, webhook, "overloaded", http.StatusServiceUnavailable, errors.New("too many requests in flight; no evaluation slot before the deadline"))
	}

	resp, decision, err := decide(ctx, set, req)
	if err != nil {
		reason := "eval_error"
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			reason = "timeout"
		}
		decision = decisionError
		log.Error(err, "cannot decide admission request", "revision", set.Revision())
		return h.undecided(ctx, webhook, reason, http.StatusInternalServerError, err)
	}
	return withRevision(resp, set)
}

// withRevision stamps the audit annotation naming the policy revision that decided.
func withRevision(resp admission.Response, set *policy.PolicySet) admission.Response {
	if set == nil {
		return resp
	}
	if resp.AuditAnnotations == nil {
		resp.AuditAnnotations = map[string]string{}
	}
	resp.AuditAnnotations[AuditAnnotationRevision] = policy.ShortRevision(set.Revision())
	return resp
}

// undecided answers a request the webhook cannot decide: HTTP 5xx through the marker, so
// failurePolicy applies. The AdmissionReview error is what a direct caller sees.
func (h *Handlers) undecided(ctx context.Context, webhook, reason string, code int, err error) admission.Response {
	h.opts.Metrics.undecided.WithLabelValues(webhook, reason).Inc()
	markUndecided(ctx, code, err.Error())
	return admission.Errored(int32(code), err)
}

func (h *Handlers) validate(ctx context.Context, set *policy.PolicySet, req admission.Request) (admission.Response, string, error) {
	refs, err := h.references(ctx, req)
	if err != nil {
		return admission.Response{}, "", err
	}
	d, err := set.Validate(ctx, policy.Input{Request: &req.AdmissionRequest, References: refs})
	if err != nil {
		return admission.Response{}, "", err
	}
	if d.Exempt {
		return admission.Allowed("namespace is exempt from apiguard policies"), decisionExempt, nil
	}
	if d.NotJudged != "" {
		return admission.Allowed(d.NotJudged), decisionNotJudged, nil
	}
	h.recordViolations(req, d)
	resp, decision := admission.Allowed(""), decisionAllowed
	if !d.Allowed() {
		resp, decision = admission.Denied(d.DenialMessage()), decisionDenied
	}
	resp = resp.WithWarnings(d.UserWarnings()...)
	annotations, dropped := d.AuditAnnotations()
	if len(dropped) > 0 {
		h.opts.Log.Info("policy audit annotations dropped: keys must be lower-case DNS labels and values strings", "annotations", dropped, "uid", req.UID)
	}
	if len(annotations) > 0 {
		resp.AuditAnnotations = annotations
	}
	return resp, decision, nil
}

func (h *Handlers) mutate(ctx context.Context, set *policy.PolicySet, req admission.Request) (admission.Response, string, error) {
	if req.Operation == admissionv1.Delete || req.Operation == admissionv1.Connect {
		return admission.Allowed(""), decisionAllowed, nil
	}
	refs, err := h.references(ctx, req)
	if err != nil {
		return admission.Response{}, "", err
	}
	m, err := set.Mutate(ctx, policy.Input{Request: &req.AdmissionRequest, References: refs}, h.opts.MaxMutationRounds)
	if err != nil {
		return admission.Response{}, "", err
	}
	if m.Exempt {
		return admission.Allowed("namespace is exempt from apiguard policies"), decisionExempt, nil
	}
	if m.NotJudged != "" {
		return admission.Allowed(m.NotJudged), decisionNotJudged, nil
	}
	for _, op := range m.Skipped {
		h.opts.Metrics.skippedPatch.WithLabelValues(op.Policy).Inc()
		h.opts.Log.V(1).Info("patch skipped: target already set", "policy", op.Policy, "path", op.Path, "uid", req.UID)
	}
	h.logDecision("mutate", req, m.Revision, mutationFindings(m))
	if !m.Changed() {
		return admission.Allowed(""), decisionAllowed, nil
	}
	resp := admission.PatchResponseFromRaw(m.Original, m.Patched)
	if resp.Result != nil && resp.Result.Code >= http.StatusInternalServerError {
		return admission.Response{}, "", fmt.Errorf("compute patch: %s", resp.Result.Message)
	}
	return resp, decisionPatched, nil
}

// references resolves what req's object refers to from the cluster (source cluster).
func (h *Handlers) references(ctx context.Context, req admission.Request) (map[string]any, error) {
	if h.opts.References == nil {
		return nil, nil
	}
	return references.ForRequest(ctx, &req.AdmissionRequest, references.SourceCluster, h.opts.References)
}

func (h *Handlers) recordViolations(req admission.Request, d policy.Decision) {
	for _, v := range d.Violations {
		h.opts.Metrics.violations.WithLabelValues(v.Policy, string(v.Action)).Inc()
	}
	h.logDecision("validate", req, d.Revision, validationFindings(d))
}

// checkRequest rejects requests the API server would never send. They are client errors
// (400), not undecidable ones.
func (h *Handlers) checkRequest(req admission.Request) error {
	if req.UID == "" {
		return errors.New("admission request has no uid (is the body an AdmissionReview with a request?)")
	}
	if req.Kind.Kind == "" {
		return errors.New("admission request has no kind")
	}
	switch req.Operation {
	case admissionv1.Create, admissionv1.Update:
		if isNull(req.Object.Raw) {
			return fmt.Errorf("%s request has no object", req.Operation)
		}
	case admissionv1.Delete, admissionv1.Connect:
	default:
		return fmt.Errorf("unknown operation %q", req.Operation)
	}
	for name, raw := range map[string][]byte{"object": req.Object.Raw, "oldObject": req.OldObject.Raw} {
		if depthExceeds(raw, h.opts.MaxObjectDepth) {
			return fmt.Errorf("%s is nested more than %d levels deep", name, h.opts.MaxObjectDepth)
		}
	}
	return nil
}

func (h *Handlers) exemption(req admission.Request) string {
	if h.opts.OwnServiceAccount != "" && req.UserInfo.Username == h.opts.OwnServiceAccount {
		return "request made by apiguard's own service account"
	}
	if h.opts.OwnNamespace != "" && req.Namespace == h.opts.OwnNamespace {
		return "apiguard's own namespace is exempt"
	}
	return ""
}

// budget is the time allowed for one request: the eval timeout, shortened when the API
// server's own timeout for this call is tighter, so we answer before it gives up.
func (h *Handlers) budget(ctx context.Context) time.Duration {
	b := h.opts.EvalTimeout
	if d, ok := ctx.Value(apiServerTimeoutKey{}).(time.Duration); ok {
		// Leave room for the response to travel back.
		if limit := d - d/5; limit > 0 && limit < b {
			b = limit
		}
	}
	return b
}

type apiServerTimeoutKey struct{}

// withAPIServerTimeout reads the ?timeout= the API server appends to webhook calls.
func withAPIServerTimeout(ctx context.Context, r *http.Request) context.Context {
	if t := r.URL.Query().Get("timeout"); t != "" {
		if d, err := time.ParseDuration(t); err == nil && d > 0 {
			return context.WithValue(ctx, apiServerTimeoutKey{}, d)
		}
	}
	return ctx
}

func isNull(b []byte) bool {
	s := strings.TrimSpace(string(b))
	return s == "" || s == "null"
}

// depthExceeds reports whether JSON nests deeper than max, scanning bytes once without
// decoding (strings are skipped, so brackets inside them do not count).
func depthExceeds(b []byte, max int) bool {
	depth := 0
	inString, escaped := false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > max {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}
