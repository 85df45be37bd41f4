package provider

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the Terraform CLI under test.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"mailman": providerserver.NewProtocol6WithError(New("test")()),
}

func testAccPreCheck(t *testing.T) {
	t.Helper()
	for _, name := range []string{envAPIURL, envAPIToken} {
		if os.Getenv(name) == "" {
			t.Fatalf("%s must be set for acceptance tests (TestMain sets it when it starts mailman-server)", name)
		}
	}
}

// testAccAPI is a client for checking what Terraform did against the API itself.
func testAccAPI(t *testing.T) *client.ClientWithResponses {
	t.Helper()
	c, err := newAPIClient(os.Getenv(envAPIURL), os.Getenv(envAPIToken), "test")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAccProvider_missingURL(t *testing.T) {
	t.Setenv(envAPIURL, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      `resource "mailman_domain" "x" { name = "unconfigured.example" }`,
			ExpectError: regexp.MustCompile(`Missing Mailman API URL`),
		}},
	})
}

// configureProvider calls the provider's ConfigureProvider RPC with the given arguments.
func configureProvider(t *testing.T, apiURL, apiToken *string) *tfprotov6.ConfigureProviderResponse {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	objectType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"api_url": tftypes.String, "api_token": tftypes.String}}
	config, err := tfprotov6.NewDynamicValue(objectType, tftypes.NewValue(objectType, map[string]tftypes.Value{
		"api_url":   tftypes.NewValue(tftypes.String, apiURL),
		"api_token": tftypes.NewValue(tftypes.String, apiToken),
	}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{Config: &config})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestProviderConfigure(t *testing.T) {
	str := func(s string) *string { return &s }
	cases := []struct {
		name            string
		env             map[string]string
		apiURL, token   *string
		wantDiagSummary string
	}{
		{name: "nothing set", env: map[string]string{envAPIURL: "", envAPIToken: ""}, wantDiagSummary: "Missing Mailman API URL"},
		{name: "no token", env: map[string]string{envAPIURL: "", envAPIToken: ""}, apiURL: str("http://127.0.0.1:8080"), wantDiagSummary: "Missing Mailman API token"},
		{name: "bad url", env: map[string]string{envAPIToken: "t"}, apiURL: str("127.0.0.1:8080"), wantDiagSummary: "Invalid Mailman API URL"},
		{name: "arguments", env: map[string]string{envAPIURL: "", envAPIToken: ""}, apiURL: str("http://127.0.0.1:8080"), token: str("t")},
		{name: "environment", env: map[string]string{envAPIURL: "https://mail.example", envAPIToken: "t"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			resp := configureProvider(t, tc.apiURL, tc.token)
			var summaries []string
			for _, d := range resp.Diagnostics {
				if d.Severity == tfprotov6.DiagnosticSeverityError {
					summaries = append(summaries, d.Summary)
				}
			}
			if tc.wantDiagSummary == "" && len(summaries) > 0 {
				t.Fatalf("unexpected errors: %v", summaries)
			}
			if tc.wantDiagSummary != "" && (len(summaries) == 0 || summaries[0] != tc.wantDiagSummary) {
				t.Fatalf("want error %q, got %v", tc.wantDiagSummary, summaries)
			}
		})
	}
}

func TestDescribeProblem(t *testing.T) {
	body := []byte(`{"type":"urn:mailman:error:inbox_address_taken","title":"Conflict","status":409,
		"detail":"support@mail.acme.com is already an inbox.","code":"inbox_address_taken","request_id":"req_1"}`)
	got := describeProblem(http.StatusConflict, body)
	want := "The Mailman API answered HTTP 409 (inbox_address_taken): support@mail.acme.com is already an inbox.\n(request id req_1)"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := describeProblem(http.StatusBadGateway, []byte("upstream down")); got != "The Mailman API answered HTTP 502 Bad Gateway: upstream down" {
		t.Fatalf("non-problem body: got %q", got)
	}
}
