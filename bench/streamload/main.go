// Command streamload holds many Server-Sent Event streams open on GET /v1/events/stream and times the
// arrival of each benchmark message's event on every stream, for bench/stream.py.
//
// A compiled client keeps its own cost out of the numbers: 1,000 streams read by Python took a core by
// themselves. Each event is not parsed as JSON; its subject ("X-Bench <n>") and timestamp are found by
// search. It prints "ready" once every stream has sent its ": subscribed" comment, then, when every
// expected arrival is in (or stdin closes, or -timeout passes), one line per message:
//
//	<n> <event timestamp, unix ns> <first arrival, unix ns> <last arrival, unix ns> <arrivals>
//
// and a last line "cpu <user+system seconds> streams <n>".
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type arrival struct {
	stamp       int64
	first, last int64
	count       int
}

type tally struct {
	mu       sync.Mutex
	byMark   map[int]*arrival
	total    int
	expected int
	done     chan struct{}
}

func (t *tally) add(mark int, stamp, at int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.byMark[mark]
	if !ok {
		a = &arrival{stamp: stamp, first: at}
		t.byMark[mark] = a
	}
	a.last = at
	a.count++
	t.total++
	if t.expected > 0 && t.total == t.expected {
		close(t.done)
	}
}

var (
	subjectMark   = []byte(`"X-Bench `) // the subject, in the thread or the message (stored JSON has spaces)
	timestampMark = []byte(`"timestamp":"`)
)

// parse finds the benchmark number and the event timestamp in an envelope; ok is false for other events.
func parse(data []byte) (mark int, stamp int64, ok bool) {
	i := bytes.Index(data, subjectMark)
	if i < 0 {
		return 0, 0, false
	}
	rest := data[i+len(subjectMark):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, 0, false
	}
	mark, err := strconv.Atoi(string(rest[:end]))
	if err != nil {
		return 0, 0, false
	}
	if j := bytes.Index(data, timestampMark); j >= 0 {
		rest := data[j+len(timestampMark):]
		if end := bytes.IndexByte(rest, '"'); end >= 0 {
			if t, err := time.Parse(time.RFC3339Nano, string(rest[:end])); err == nil {
				stamp = t.UnixNano()
			}
		}
	}
	return mark, stamp, true
}

func follow(client *http.Client, target, token string, subscribed *sync.WaitGroup, t *tally) error {
	request, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	request.Header.Set("Authorization", "Bearer "+token)
	request.Header.Set("Accept", "text/event-stream")
	response, err := client.Do(request)
	if err != nil {
		subscribed.Done()
		return err
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		subscribed.Done()
		body, _ := io.ReadAll(response.Body)
		return fmt.Errorf("%s: %s", response.Status, body)
	}
	reader := bufio.NewReaderSize(response.Body, 64<<10)
	first := true
	for {
		line, err := reader.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// An envelope longer than the buffer: the subject is near its end, so keep reading it whole.
			whole := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = reader.ReadSlice('\n')
				whole = append(whole, line...)
			}
			line = whole
		}
		if err != nil {
			if first {
				subscribed.Done()
			}
			return err
		}
		if first && bytes.HasPrefix(line, []byte(": subscribed")) {
			first = false
			subscribed.Done()
			continue
		}
		if bytes.HasPrefix(line, []byte("data: ")) {
			at := time.Now().UnixNano()
			if mark, stamp, ok := parse(line); ok {
				t.add(mark, stamp, at)
			}
		}
	}
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the API's base URL")
	token := flag.String("token", "", "bearer token")
	streams := flag.Int("streams", 1, "streams to open")
	inboxes := flag.String("inboxes", "", "comma-separated inbox ids: stream i filters on inbox i mod their number (empty: every inbox)")
	expected := flag.Int("expect", 0, "arrivals (messages times the streams each reaches) after which it reports")
	timeout := flag.Duration("timeout", 10*time.Minute, "report after this long at most")
	flag.Parse()

	var filters []string
	if *inboxes != "" {
		filters = strings.Split(*inboxes, ",")
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: -1,
		DisableCompression:  true,
		DisableKeepAlives:   true,
	}}
	t := &tally{byMark: map[int]*arrival{}, expected: *expected, done: make(chan struct{})}
	var subscribed sync.WaitGroup
	subscribed.Add(*streams)
	failed := make(chan error, *streams)
	for n := 0; n < *streams; n++ {
		query := url.Values{"type": {"message.received"}}
		if len(filters) > 0 {
			query.Set("inbox_id", filters[n%len(filters)])
		}
		target := *base + "/v1/events/stream?" + query.Encode()
		go func() { failed <- follow(client, target, *token, &subscribed, t) }()
		if n%50 == 49 {
			time.Sleep(10 * time.Millisecond) // not all at once: the API's listen backlog
		}
	}
	subscribed.Wait()
	fmt.Println("ready")

	stdinClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-t.done:
	case <-stdinClosed:
	case <-time.After(*timeout):
	case err := <-failed:
		fmt.Fprintln(os.Stderr, "a stream ended:", err)
	}

	out := bufio.NewWriter(os.Stdout)
	t.mu.Lock()
	for mark, a := range t.byMark {
		fmt.Fprintf(out, "%d %d %d %d %d\n", mark, a.stamp, a.first, a.last, a.count)
	}
	t.mu.Unlock()
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
	fmt.Fprintf(out, "cpu %.3f streams %d\n", cpu.Seconds(), *streams)
	out.Flush()
}
