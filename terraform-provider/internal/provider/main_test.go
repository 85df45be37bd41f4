package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain starts a throw-away `mailman-server dev` (own data dir, free loopback ports, random
// token) for the acceptance tests, which only run with TF_ACC=1, and stops it afterwards.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") == "" {
		os.Exit(m.Run())
	}
	stop, err := startMailmanServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "acceptance tests: "+err.Error())
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// startMailmanServer runs the local stack and points MAILMAN_API_URL / MAILMAN_API_TOKEN at it.
func startMailmanServer() (stop func(), err error) {
	bin := os.Getenv("MAILMAN_SERVER")
	if bin == "" {
		if bin, err = exec.LookPath("mailman-server"); err != nil {
			return nil, fmt.Errorf("mailman-server is not on PATH (pip install -e services, or set MAILMAN_SERVER): %w", err)
		}
	}
	dataDir, err := os.MkdirTemp("", "mailman-provider-acc-")
	if err != nil {
		return nil, err
	}
	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	tokenBytes := make([]byte, 16)
	_, _ = rand.Read(tokenBytes)
	token := "acc-" + hex.EncodeToString(tokenBytes)

	logPath := filepath.Join(dataDir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "dev",
		"--api-port", fmt.Sprint(apiPort), "--smtp-port", fmt.Sprint(smtpPort), "--data-dir", filepath.Join(dataDir, "data"))
	// A low rate limit: the provider's retries (429 with Retry-After) are part of every acceptance test.
	cmd.Env = append(os.Environ(), "MAILMAN_API_TOKEN="+token,
		"MAILMAN_RATE_LIMIT_PER_SECOND=4", "MAILMAN_RATE_LIMIT_BURST=4")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		os.RemoveAll(dataDir)
	}

	apiURL := fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	deadline := time.Now().Add(120 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("mailman-server exited (%v) before it was healthy:\n%s", err, log)
		default:
		}
		if healthy(apiURL) {
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("mailman-server not healthy at %s after 120 s", apiURL)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// An empty CLI configuration keeps the user's (dev_overrides, mirrors, a missing
	// TF_CLI_CONFIG_FILE) out of the tests.
	cliConfig := filepath.Join(dataDir, "tofurc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		stop()
		return nil, err
	}
	os.Setenv("TF_CLI_CONFIG_FILE", cliConfig)
	// OpenTofu resolves `provider "mailman"` to registry.opentofu.org/hashicorp/mailman; the test
	// framework must register the in-process provider under that address, not registry.terraform.io's.
	if os.Getenv("TF_ACC_PROVIDER_HOST") == "" && strings.HasPrefix(filepath.Base(os.Getenv("TF_ACC_TERRAFORM_PATH")), "tofu") {
		os.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
	}
	os.Setenv(envAPIURL, apiURL)
	os.Setenv(envAPIToken, token)
	return stop, nil
}

func healthy(apiURL string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, apiURL+"/health", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
