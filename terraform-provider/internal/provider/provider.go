// Package provider implements the Mailman Terraform provider: its configuration, resources and data sources.
package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

const (
	envAPIURL   = "MAILMAN_API_URL"
	envAPIToken = "MAILMAN_API_TOKEN"
)

var _ provider.Provider = &MailmanProvider{}

// MailmanProvider is the provider implementation.
type MailmanProvider struct {
	// version is "dev" for local builds, the release version otherwise, "test" in tests.
	version string
}

// MailmanProviderModel describes the provider configuration.
type MailmanProviderModel struct {
	APIURL   types.String `tfsdk:"api_url"`
	APIToken types.String `tfsdk:"api_token"`
}

// New returns a constructor for the provider, as providerserver.Serve expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &MailmanProvider{version: version}
	}
}

func (p *MailmanProvider) Metadata(ctx context.Context, req provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "mailman"
	resp.Version = p.version
}

func (p *MailmanProvider) Schema(ctx context.Context, req provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages Mailman domains, inboxes and webhooks through its HTTP API.",
		Attributes: map[string]schema.Attribute{
			"api_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Mailman API, e.g. `http://127.0.0.1:8080`. Defaults to the `MAILMAN_API_URL` environment variable.",
				Optional:            true,
			},
			"api_token": schema.StringAttribute{
				MarkdownDescription: "Bearer token: the bootstrap token or an API key (`mm_…`) that may manage domains and webhooks. Defaults to the `MAILMAN_API_TOKEN` environment variable.",
				Optional:            true,
				Sensitive:           true,
			},
		},
	}
}

func (p *MailmanProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config MailmanProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if config.APIURL.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("api_url"), "Unknown Mailman API URL",
			"The provider cannot be configured with a value known only after apply. Use a literal, a variable or the MAILMAN_API_URL environment variable.")
	}
	if config.APIToken.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("api_token"), "Unknown Mailman API token",
			"The provider cannot be configured with a value known only after apply. Use a variable or the MAILMAN_API_TOKEN environment variable.")
	}
	if resp.Diagnostics.HasError() {
		return
	}

	apiURL := os.Getenv(envAPIURL)
	if !config.APIURL.IsNull() {
		apiURL = config.APIURL.ValueString()
	}
	apiToken := os.Getenv(envAPIToken)
	if !config.APIToken.IsNull() {
		apiToken = config.APIToken.ValueString()
	}

	if apiURL == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_url"), "Missing Mailman API URL",
			"Set the api_url argument of the mailman provider or the MAILMAN_API_URL environment variable, e.g. http://127.0.0.1:8080 for `mailman-server dev`.")
	} else if u, err := url.Parse(apiURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_url"), "Invalid Mailman API URL",
			fmt.Sprintf("%q is not an http(s) URL with a host.", apiURL))
	}
	if apiToken == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_token"), "Missing Mailman API token",
			"Set the api_token argument of the mailman provider or the MAILMAN_API_TOKEN environment variable (`mailman-server dev` prints its token).")
	}
	if resp.Diagnostics.HasError() {
		return
	}

	c, err := newAPIClient(apiURL, apiToken, p.version)
	if err != nil {
		resp.Diagnostics.AddError("Unable to create the Mailman API client", err.Error())
		return
	}
	resp.DataSourceData = c
	resp.ResourceData = c
}

func (p *MailmanProvider) Resources(ctx context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewDomainResource,
		NewInboxResource,
		NewWebhookResource,
	}
}

func (p *MailmanProvider) DataSources(ctx context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewDomainDataSource,
		NewInboxDataSource,
	}
}

// newAPIClient returns a generated client that authenticates every request with the token and retries
// what may work a moment later (see retryingTransport).
func newAPIClient(apiURL, token, version string) (*client.ClientWithResponses, error) {
	userAgent := "terraform-provider-mailman/" + version
	return client.NewClientWithResponses(
		strings.TrimRight(apiURL, "/"),
		client.WithHTTPClient(&http.Client{Timeout: 60 * time.Second, Transport: newRetryingTransport(http.DefaultTransport)}),
		client.WithRequestEditorFn(func(ctx context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("User-Agent", userAgent)
			return nil
		}),
	)
}
