package provider

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

var (
	_ datasource.DataSource                     = &DomainDataSource{}
	_ datasource.DataSourceWithConfigure        = &DomainDataSource{}
	_ datasource.DataSourceWithConfigValidators = &DomainDataSource{}
)

// NewDomainDataSource returns the mailman_domain data source.
func NewDomainDataSource() datasource.DataSource {
	return &DomainDataSource{}
}

// DomainDataSource looks a domain up by id or by name.
type DomainDataSource struct {
	client *client.ClientWithResponses
}

func (d *DomainDataSource) Metadata(ctx context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_domain"
}

func (d *DomainDataSource) Schema(ctx context.Context, req datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	recordAttributes := map[string]schema.Attribute{}
	for name, attrType := range dnsRecordType.AttrTypes {
		if attrType == types.Int64Type {
			recordAttributes[name] = schema.Int64Attribute{Computed: true, MarkdownDescription: dnsRecordDescriptions[name]}
		} else {
			recordAttributes[name] = schema.StringAttribute{Computed: true, MarkdownDescription: dnsRecordDescriptions[name]}
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing domain by `id` or by `name` (exactly one of them).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Domain id (`dom_…`) to look up.",
				Optional:            true,
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Domain name to look up, e.g. `mail.acme.com`.",
				Optional:            true,
				Computed:            true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: domainStatusDescription,
				Computed:            true,
			},
			"records": schema.ListNestedAttribute{
				MarkdownDescription: domainRecordsDescription,
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: recordAttributes},
			},
			"verified_at": schema.StringAttribute{
				MarkdownDescription: domainVerifiedAtDescription,
				Computed:            true,
			},
		},
	}
}

func (d *DomainDataSource) ConfigValidators(ctx context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *DomainDataSource) Configure(ctx context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *DomainDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config DomainModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var domain *client.Domain
	if !config.ID.IsNull() {
		got, err := d.client.DomainsRetrieveWithResponse(ctx, config.ID.ValueString())
		if !checkResponse(&resp.Diagnostics, "Unable to read Mailman domain", err, got, http.StatusOK) {
			return
		}
		domain = got.JSON200
	} else {
		name := config.Name.ValueString()
		found, err := d.client.DomainsListWithResponse(ctx, &client.DomainsListParams{Name: &name})
		if !checkResponse(&resp.Diagnostics, "Unable to list Mailman domains", err, found, http.StatusOK) {
			return
		}
		if len(found.JSON200.Data) == 0 {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Mailman domain not found",
				fmt.Sprintf("No domain named %q is registered.", name))
			return
		}
		domain = &found.JSON200.Data[0]
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, domainModel(ctx, domain, &resp.Diagnostics))...)
}
