package client

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedClientUpToDate fails when client.gen.go no longer matches ../../../openapi.yaml;
// `go generate ./internal/client` fixes it.
func TestGeneratedClientUpToDate(t *testing.T) {
	// Reading the inputs here tells `go test`'s cache to rerun this test when they change.
	for _, input := range []string{"../../../openapi.yaml", "oapi-codegen.yaml"} {
		if _, err := os.ReadFile(input); err != nil {
			t.Fatal(err)
		}
	}
	fresh := filepath.Join(t.TempDir(), "client.gen.go")
	cmd := exec.Command("go", "tool", "oapi-codegen", "--config=oapi-codegen.yaml", "-o", fresh, "../../../openapi.yaml")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, out)
	}
	want, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("client.gen.go is out of date with openapi.yaml: run `go generate ./internal/client` in terraform-provider/")
	}
}
