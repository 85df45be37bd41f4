package provider

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

var (
	_ datasource.DataSource                     = &InboxDataSource{}
	_ datasource.DataSourceWithConfigure        = &InboxDataSource{}
	_ datasource.DataSourceWithConfigValidators = &InboxDataSource{}
)

// NewInboxDataSource returns the mailman_inbox data source.
func NewInboxDataSource() datasource.DataSource {
	return &InboxDataSource{}
}

// InboxDataSource looks an inbox up by id or by address.
type InboxDataSource struct {
	client *client.ClientWithResponses
}

func (d *InboxDataSource) Metadata(ctx context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_inbox"
}

func (d *InboxDataSource) Schema(ctx context.Context, req datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing inbox by `id` or by `address` (exactly one of them).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Inbox id (`inb_…`) to look up.",
				Optional:            true,
				Computed:            true,
			},
			"address": schema.StringAttribute{
				MarkdownDescription: "Full address to look up, e.g. `support@mail.acme.com` (case-insensitive).",
				Optional:            true,
				Computed:            true,
			},
			"domain_id": schema.StringAttribute{
				MarkdownDescription: "Id of the domain the inbox lives on (`dom_…`).",
				Computed:            true,
			},
			"local_part": schema.StringAttribute{
				MarkdownDescription: "The part of the address before `@`.",
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Display name used in the From header of sent mail.",
				Computed:            true,
			},
			"retention_days": schema.Int64Attribute{
				MarkdownDescription: "Days the inbox keeps its mail before the worker deletes it; null: kept until deleted.",
				Computed:            true,
			},
		},
	}
}

func (d *InboxDataSource) ConfigValidators(ctx context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("address")),
	}
}

func (d *InboxDataSource) Configure(ctx context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *InboxDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config InboxModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var inbox *client.Inbox
	if !config.ID.IsNull() {
		got, err := d.client.InboxesRetrieveWithResponse(ctx, config.ID.ValueString())
		if !checkResponse(&resp.Diagnostics, "Unable to read Mailman inbox", err, got, http.StatusOK) {
			return
		}
		inbox = got.JSON200
	} else {
		address := config.Address.ValueString()
		found, err := d.client.InboxesListWithResponse(ctx, &client.InboxesListParams{Address: &address})
		if !checkResponse(&resp.Diagnostics, "Unable to list Mailman inboxes", err, found, http.StatusOK) {
			return
		}
		if len(found.JSON200.Data) == 0 {
			resp.Diagnostics.AddAttributeError(path.Root("address"), "Mailman inbox not found",
				fmt.Sprintf("No inbox with address %q is visible to this token.", address))
			return
		}
		inbox = &found.JSON200.Data[0]
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, inboxModel(inbox))...)
}
