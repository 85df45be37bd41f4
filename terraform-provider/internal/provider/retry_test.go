package provider

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type seen struct {
	key, body string
}

// A local server answering from a script: every request's Idempotency-Key and body are recorded.
func scripted(t *testing.T, answers ...func(http.ResponseWriter)) (*httptest.Server, func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var requests []seen
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		n := len(requests)
		requests = append(requests, seen{r.Header.Get("Idempotency-Key"), string(body)})
		mu.Unlock()
		answers[min(n, len(answers)-1)](w)
	}))
	t.Cleanup(server.Close)
	return server, func() []seen { mu.Lock(); defer mu.Unlock(); return append([]seen(nil), requests...) }
}

func status(code int, headers ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
	}
}

func fastRetries() *http.Client {
	transport := newRetryingTransport(http.DefaultTransport)
	transport.baseDelay = time.Millisecond
	return &http.Client{Transport: transport}
}

func TestRetriesKeepOneIdempotencyKeyAndTheBody(t *testing.T) {
	server, requests := scripted(t,
		status(http.StatusTooManyRequests, "Retry-After", "0"), status(http.StatusServiceUnavailable), status(http.StatusCreated))
	resp, err := fastRetries().Post(server.URL+"/v1/inboxes", "application/json", strings.NewReader(`{"name":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := requests()
	if resp.StatusCode != http.StatusCreated || len(got) != 3 {
		t.Fatalf("status %d after %d requests, want 201 after 3", resp.StatusCode, len(got))
	}
	for _, r := range got {
		if r.key == "" || r.key != got[0].key || r.body != `{"name":"a"}` {
			t.Fatalf("attempts differ: %+v", got)
		}
	}
}

func TestConflictsAndClientErrorsAreNotRetried(t *testing.T) {
	for _, answer := range []func(http.ResponseWriter){
		status(http.StatusConflict, "X-Should-Retry", "false"), status(http.StatusUnprocessableEntity),
	} {
		server, requests := scripted(t, answer, status(http.StatusCreated))
		resp, err := fastRetries().Post(server.URL+"/v1/inboxes", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(requests()) != 1 {
			t.Fatalf("retried a %d", resp.StatusCode)
		}
	}
}

func TestReadsCarryNoIdempotencyKey(t *testing.T) {
	server, requests := scripted(t, status(http.StatusBadGateway), status(http.StatusOK))
	resp, err := fastRetries().Get(server.URL + "/v1/inboxes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := requests(); resp.StatusCode != http.StatusOK || len(got) != 2 || got[0].key != "" {
		t.Fatalf("status %d, requests %+v", resp.StatusCode, got)
	}
}

func TestRetryAfterIsHonouredAndCapped(t *testing.T) {
	transport := newRetryingTransport(http.DefaultTransport)
	resp := &http.Response{Header: http.Header{"Retry-After": []string{"2"}}}
	if d := transport.delay(0, resp); d != 2*time.Second {
		t.Fatalf("Retry-After 2 gave %v", d)
	}
	resp.Header.Set("Retry-After", "99999999999")
	if d := transport.delay(0, resp); d != transport.maxDelay {
		t.Fatalf("a huge Retry-After gave %v", d)
	}
}
