package provider

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"gopkg.in/yaml.v3"
)

func TestEventTypesMatchOpenAPI(t *testing.T) {
	raw, err := os.ReadFile("../../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Schemas struct {
				EventType struct {
					Enum []string `yaml:"enum"`
				} `yaml:"EventType"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(spec.Components.Schemas.EventType.Enum))
	got := slices.Sorted(slices.Values(eventTypes))
	if !slices.Equal(got, want) {
		t.Fatalf("eventTypes = %v, openapi.yaml EventType = %v", got, want)
	}
}

func TestHTTPURLValidator(t *testing.T) {
	for raw, valid := range map[string]bool{
		"https://app.acme.com/webhooks/mailman": true,
		"http://127.0.0.1:9000/hook":            true,
		"not a url":                             false,
		"ftp://app.acme.com/x":                  false,
		"https:///no-host":                      false,
		"app.acme.com/webhooks":                 false,
	} {
		resp := &validator.StringResponse{}
		httpURLValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("url"), ConfigValue: types.StringValue(raw),
		}, resp)
		if resp.Diagnostics.HasError() == valid {
			t.Errorf("%q: valid=%v, diagnostics %v", raw, valid, resp.Diagnostics)
		}
	}
}
