// Command smtpload sends pre-generated messages over concurrent SMTP connections, each message waiting
// for its 250, and prints one JSON object: how many were sent, how many failed, and how long it took.
//
//	smtpload -addr 127.0.0.1:2525 -c 10 -from load@example.com -to inbox@example.com DIR_OR_FILE
//
// Every .eml file of the directory is sent once (a single file: -n times), spread over -c connections.
// The bytes go out as they are (CRLF line ends expected); only dot-stuffing is added. -to may list several
// recipients, comma-separated: message i goes to the (i mod len)th. -rate paces the sending (message i
// leaves no earlier than i/rate seconds after the start; 0: as fast as the server answers), and -times
// writes "i unix-nanoseconds" of each message's 250 to a file.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type result struct {
	Sent        int64    `json:"sent"`
	Errors      int64    `json:"errors"`
	Bytes       int64    `json:"bytes"`
	Connections int      `json:"connections"`
	Elapsed     float64  `json:"elapsed_seconds"`
	Rate        float64  `json:"messages_per_second"`
	CPU         float64  `json:"cpu_seconds"`
	FirstErrors []string `json:"first_errors"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:2525", "SMTP server host:port")
	connections := flag.Int("c", 10, "concurrent SMTP connections")
	from := flag.String("from", "load@example.com", "envelope sender")
	to := flag.String("to", "", "envelope recipient (required)")
	count := flag.Int("n", 1, "with a single file: how many times to send it")
	rate := flag.Float64("rate", 0, "messages per second, paced (0: unpaced)")
	timesPath := flag.String("times", "", "file to write each message's index and the time of its 250 to")
	flag.Parse()
	recipients := strings.Split(*to, ",")
	if *to == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: smtpload -to ADDRESS [-addr HOST:PORT] [-c N] [-n N] DIR_OR_FILE")
		os.Exit(2)
	}
	messages, err := load(flag.Arg(0), *count)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	var next, sent, failed, sentBytes atomic.Int64
	var mu sync.Mutex
	var firstErrors []string
	fail := func(err error) {
		failed.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if len(firstErrors) < 5 {
			firstErrors = append(firstErrors, err.Error())
		}
	}
	started := time.Now()
	accepted := make([]int64, len(messages))
	var wg sync.WaitGroup
	for range *connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var conn *session
			for {
				i := next.Add(1) - 1
				if i >= int64(len(messages)) {
					break
				}
				if *rate > 0 {
					time.Sleep(time.Until(started.Add(time.Duration(float64(i) / *rate * float64(time.Second)))))
				}
				if conn == nil {
					if conn, err = dial(*addr); err != nil {
						fail(err)
						conn = nil
						continue
					}
				}
				if err := conn.send(*from, recipients[i%int64(len(recipients))], messages[i]); err != nil {
					fail(err)
					conn.close()
					conn = nil
					continue
				}
				accepted[i] = time.Now().UnixNano()
				sent.Add(1)
				sentBytes.Add(int64(len(messages[i])))
			}
			if conn != nil {
				conn.quit()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(started).Seconds()
	if *timesPath != "" {
		if err := writeTimes(*timesPath, accepted); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	out := result{
		Sent: sent.Load(), Errors: failed.Load(), Bytes: sentBytes.Load(), Connections: *connections,
		Elapsed: elapsed, Rate: float64(sent.Load()) / elapsed, FirstErrors: firstErrors,
		CPU: time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds(),
	}
	if out.FirstErrors == nil {
		out.FirstErrors = []string{}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
	if out.Errors > 0 {
		os.Exit(1)
	}
}

// writeTimes writes "index unix-nanoseconds" for each message that got its 250.
func writeTimes(path string, accepted []int64) error {
	var out bytes.Buffer
	for i, at := range accepted {
		if at != 0 {
			fmt.Fprintf(&out, "%d %d\n", i, at)
		}
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// load reads every .eml file of a directory in name order, or one file count times.
func load(path string, count int) ([][]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		messages := make([][]byte, count)
		for i := range messages {
			messages[i] = stuff(data)
		}
		return messages, nil
	}
	names, err := filepath.Glob(filepath.Join(path, "*.eml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	messages := make([][]byte, 0, len(names))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		messages = append(messages, stuff(data))
	}
	if len(messages) == 0 {
		return nil, fmt.Errorf("no .eml files in %s", path)
	}
	return messages, nil
}

// stuff returns the DATA payload: lines starting with a dot get another, and the terminating "." line.
func stuff(data []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(data) + 64)
	for line := range bytes.Lines(data) {
		if line[0] == '.' {
			out.WriteByte('.')
		}
		out.Write(line)
	}
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		out.WriteString("\r\n")
	}
	out.WriteString(".\r\n")
	return out.Bytes()
}

type session struct {
	conn net.Conn
	text *textproto.Conn
	w    *bufio.Writer
}

func dial(addr string) (*session, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	s := &session{conn: conn, text: textproto.NewConn(conn), w: bufio.NewWriterSize(conn, 64*1024)}
	if _, _, err := s.text.ReadResponse(220); err != nil {
		s.close()
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if err := s.command(250, "EHLO smtpload.localhost"); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *session) command(code int, line string) error {
	if _, err := s.w.WriteString(line + "\r\n"); err != nil {
		return err
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, msg, err := s.text.ReadResponse(code); err != nil {
		return fmt.Errorf("%s: %w (%s)", strings.Fields(line)[0], err, msg)
	}
	return nil
}

// send runs one mail transaction and returns once the server answered the data with 250.
func (s *session) send(from, to string, payload []byte) error {
	s.conn.SetDeadline(time.Now().Add(120 * time.Second))
	if err := s.command(250, "MAIL FROM:<"+from+">"); err != nil {
		return err
	}
	if err := s.command(250, "RCPT TO:<"+to+">"); err != nil {
		return err
	}
	if err := s.command(354, "DATA"); err != nil {
		return err
	}
	if _, err := s.w.Write(payload); err != nil {
		return err
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, msg, err := s.text.ReadResponse(250); err != nil {
		return fmt.Errorf("end of data: %w (%s)", err, msg)
	}
	return nil
}

func (s *session) quit() {
	_ = s.command(221, "QUIT")
	s.close()
}

func (s *session) close() { _ = s.conn.Close() }
