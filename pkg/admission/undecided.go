package admission

import (
	"context"
	"net/http"
)

// undecidedKey carries an *undecided through the request context. controller-runtime's
// Webhook always writes HTTP 200, and an AdmissionReview with allowed=false is a denial
// the API server applies whatever the failurePolicy says. A request the webhook cannot
// decide must instead fail at the HTTP level, so the handler marks it here and
// failurePolicyWriter turns the response into a real 5xx.
type undecidedKey struct{}

type undecided struct {
	code    int
	message string
}

func withUndecidedMarker(ctx context.Context) (context.Context, *undecided) {
	u := &undecided{}
	return context.WithValue(ctx, undecidedKey{}, u), u
}

// markUndecided records that the request cannot be decided. Outside an HTTP request (in
// unit tests calling Handle directly) there is no marker and the AdmissionReview error
// response stands alone.
func markUndecided(ctx context.Context, code int, message string) {
	if u, ok := ctx.Value(undecidedKey{}).(*undecided); ok {
		u.code, u.message = code, message
	}
}

// failurePolicyWriter passes the webhook's response through untouched unless the handler
// marked the request undecided, in which case it answers the HTTP status instead. It does
// not buffer: controller-runtime writes the response only after Handle returns.
type failurePolicyWriter struct {
	http.ResponseWriter
	marker *undecided
	done   bool
}

func (w *failurePolicyWriter) WriteHeader(code int) {
	if w.marker.code != 0 {
		w.writeUndecided()
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *failurePolicyWriter) Write(b []byte) (int, error) {
	if w.marker.code != 0 {
		w.writeUndecided()
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *failurePolicyWriter) writeUndecided() {
	if w.done {
		return
	}
	w.done = true
	http.Error(w.ResponseWriter, "apiguard cannot decide this request: "+w.marker.message, w.marker.code)
}

// withFailurePolicy wraps an admission webhook so undecided requests answer HTTP 5xx.
func withFailurePolicy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, marker := withUndecidedMarker(r.Context())
		fw := &failurePolicyWriter{ResponseWriter: w, marker: marker}
		next.ServeHTTP(fw, r.WithContext(ctx))
		if marker.code != 0 {
			fw.writeUndecided()
		}
	})
}
