package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"math"
	mathrand "math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// retryingTransport retries what the SDK retries: connection errors, 408, 409 in progress (X-Should-Retry:
// true), 429 and 5xx, with exponential backoff and jitter that honours Retry-After. Every POST carries an
// Idempotency-Key, the same for all its attempts, so a retried create never creates twice.
type retryingTransport struct {
	next       http.RoundTripper
	maxRetries int
	baseDelay  time.Duration
	maxDelay   time.Duration
}

func newRetryingTransport(next http.RoundTripper) *retryingTransport {
	return &retryingTransport{next: next, maxRetries: 4, baseDelay: 500 * time.Millisecond, maxDelay: 30 * time.Second}
}

func (t *retryingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && req.Header.Get("Idempotency-Key") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("Idempotency-Key", newIdempotencyKey())
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		read, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = read
	}
	for attempt := 0; ; attempt++ {
		try := req.Clone(req.Context())
		if body != nil {
			try.Body = io.NopCloser(bytes.NewReader(body))
			try.ContentLength = int64(len(body))
		}
		resp, err := t.next.RoundTrip(try)
		if attempt >= t.maxRetries || !shouldRetry(resp, err) {
			return resp, err
		}
		wait := t.delay(attempt, resp)
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

func shouldRetry(resp *http.Response, err error) bool {
	if err != nil {
		return true
	}
	switch should := resp.Header.Get("X-Should-Retry"); should {
	case "true":
		return true
	case "false":
		return false
	}
	return resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests ||
		resp.StatusCode >= 500
}

// delay is Retry-After when the API sent one (capped at maxDelay), else base * 2^attempt with full jitter.
func (t *retryingTransport) delay(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if seconds, err := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64); err == nil && seconds >= 0 {
			// Compared as seconds: a huge value would overflow a Duration.
			return time.Duration(min(seconds, t.maxDelay.Seconds()) * float64(time.Second))
		}
	}
	backoff := min(float64(t.baseDelay)*math.Pow(2, float64(attempt)), float64(t.maxDelay))
	return time.Duration(backoff/2 + mathrand.Float64()*backoff/2)
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func newIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "tf-" + hex.EncodeToString(b)
}
