// Command docsgen regenerates the provider's docs/ with tfplugindocs, reading the provider schema
// through OpenTofu (tfplugindocs would otherwise download Terraform), or with -check fails when
// docs/ is out of date.
//
//	go -C tools run ./docsgen [-check] [-tofu PATH] [-provider-dir ..]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

const providerName = "mailman"

func main() {
	check := flag.Bool("check", false, "compare the generated docs with docs/ instead of writing them")
	tofu := flag.String("tofu", "tofu", "OpenTofu (or Terraform) binary used to read the provider schema")
	providerDir := flag.String("provider-dir", "..", "provider module directory")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("docsgen: ")

	root, err := filepath.Abs(*providerDir)
	if err != nil {
		log.Fatal(err)
	}
	work, err := os.MkdirTemp("", "mailman-docsgen-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)

	schemaFile := filepath.Join(work, "schema.json")
	if err := writeSchema(root, work, *tofu, schemaFile); err != nil {
		log.Fatal(err)
	}

	// tfplugindocs writes into <provider-dir>/docs; in check mode point it at a copy of the inputs.
	outDir := root
	if *check {
		outDir = filepath.Join(work, "provider")
		for _, dir := range []string{"examples", "templates"} {
			if err := copyTree(filepath.Join(root, dir), filepath.Join(outDir, dir)); err != nil {
				log.Fatal(err)
			}
		}
	}
	run(exec.Command("go", "tool", "tfplugindocs", "generate",
		"--provider-dir", outDir, "--provider-name", providerName, "--rendered-provider-name", "Mailman",
		"--providers-schema", schemaFile))

	if *check {
		if diff := compareTrees(filepath.Join(outDir, "docs"), filepath.Join(root, "docs")); diff != "" {
			log.Fatalf("docs/ is out of date (%s): run `go -C tools run ./docsgen` in terraform-provider/", diff)
		}
		fmt.Println("docs/ is up to date")
	}
}

// writeSchema builds the provider, installs it in a throw-away plugin directory and writes the
// output of `tofu providers schema -json`, keyed by the short name tfplugindocs looks for.
func writeSchema(root, work, tofu, schemaFile string) error {
	plugin := filepath.Join(work, "plugins", "registry.terraform.io", "mailman", providerName, "0.0.1",
		runtime.GOOS+"_"+runtime.GOARCH, "terraform-provider-"+providerName)
	build := exec.Command("go", "build", "-o", plugin, ".")
	build.Dir = root
	run(build)

	config := `terraform {
  required_providers {
    mailman = { source = "registry.terraform.io/mailman/mailman" }
  }
}
`
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config), 0o644); err != nil {
		return err
	}
	cliConfig := filepath.Join(work, "tofurc")
	if err := os.WriteFile(cliConfig, nil, 0o644); err != nil {
		return err
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1")

	init := exec.Command(tofu, "init", "-backend=false", "-input=false", "-no-color", "-plugin-dir=plugins")
	init.Dir, init.Env = work, env
	run(init)

	schemaCmd := exec.Command(tofu, "providers", "schema", "-json")
	schemaCmd.Dir, schemaCmd.Env, schemaCmd.Stderr = work, env, os.Stderr
	out, err := schemaCmd.Output()
	if err != nil {
		return fmt.Errorf("%s providers schema -json: %w", tofu, err)
	}
	var schemas struct {
		FormatVersion string                     `json:"format_version"`
		Schemas       map[string]json.RawMessage `json:"provider_schemas"`
	}
	if err := json.Unmarshal(out, &schemas); err != nil {
		return fmt.Errorf("parse provider schema: %w", err)
	}
	schema, ok := schemas.Schemas["registry.terraform.io/mailman/"+providerName]
	if !ok {
		return fmt.Errorf("no mailman provider in the schema output: %s", out)
	}
	schemas.Schemas = map[string]json.RawMessage{providerName: schema}
	renamed, err := json.Marshal(schemas)
	if err != nil {
		return err
	}
	return os.WriteFile(schemaFile, renamed, 0o644)
}

func run(cmd *exec.Cmd) {
	if cmd.Stdout == nil {
		cmd.Stdout = os.Stderr
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Run(); err != nil {
		log.Fatalf("%v: %v", cmd.Args, err)
	}
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && path == src {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// compareTrees names the first file that differs between two directories, or returns "".
func compareTrees(generated, committed string) string {
	files := map[string]bool{}
	for _, dir := range []string{generated, committed} {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, path)
				files[rel] = true
			}
			return nil
		})
	}
	for rel := range files {
		a, errA := os.ReadFile(filepath.Join(generated, rel))
		b, errB := os.ReadFile(filepath.Join(committed, rel))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			return "docs/" + rel + " differs"
		}
	}
	return ""
}
