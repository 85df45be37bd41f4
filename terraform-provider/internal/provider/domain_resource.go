package provider

import (
	"context"
	"net/http"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

var (
	_ resource.Resource                = &DomainResource{}
	_ resource.ResourceWithConfigure   = &DomainResource{}
	_ resource.ResourceWithImportState = &DomainResource{}
)

// NewDomainResource returns the mailman_domain resource.
func NewDomainResource() resource.Resource {
	return &DomainResource{}
}

// DomainResource manages a sending and receiving domain. The API cannot rename a domain, so
// every argument forces a replacement.
type DomainResource struct {
	client *client.ClientWithResponses
}

// DomainModel is the state of mailman_domain (resource and data source).
type DomainModel struct {
	ID         types.String `tfsdk:"id"`
	Name       types.String `tfsdk:"name"`
	Status     types.String `tfsdk:"status"`
	Records    types.List   `tfsdk:"records"`
	VerifiedAt types.String `tfsdk:"verified_at"`
}

// dnsRecordModel is one element of DomainModel.Records.
type dnsRecordModel struct {
	Type     types.String `tfsdk:"type"`
	Name     types.String `tfsdk:"name"`
	Value    types.String `tfsdk:"value"`
	Priority types.Int64  `tfsdk:"priority"`
	Status   types.String `tfsdk:"status"`
}

var dnsRecordType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"type":     types.StringType,
	"name":     types.StringType,
	"value":    types.StringType,
	"priority": types.Int64Type,
	"status":   types.StringType,
}}

// dnsRecordDescriptions documents the record attributes for both the resource and the data source.
var dnsRecordDescriptions = map[string]string{
	"type":     "Record type: `MX`, `TXT` or `CNAME`.",
	"name":     "Fully qualified record name.",
	"value":    "Expected record value.",
	"priority": "MX priority; null for other types.",
	"status":   "Result of the last check: `missing`, `valid` or `invalid`.",
}

const (
	domainStatusDescription     = "`pending` until the DNS records are verified, then `verified` (or `failed`). Changes here show up on refresh."
	domainRecordsDescription    = "DNS records to publish for receiving, sending and authentication."
	domainVerifiedAtDescription = "When the domain was last verified (RFC 3339); null if never."
)

func (r *DomainResource) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_domain"
}

func (r *DomainResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	recordAttributes := map[string]schema.Attribute{}
	for name, attrType := range dnsRecordType.AttrTypes {
		if attrType == types.Int64Type {
			recordAttributes[name] = schema.Int64Attribute{Computed: true, MarkdownDescription: dnsRecordDescriptions[name]}
		} else {
			recordAttributes[name] = schema.StringAttribute{Computed: true, MarkdownDescription: dnsRecordDescriptions[name]}
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A domain Mailman sends and receives mail for. It starts `pending`; publish its `records` in DNS and verify it through the API. Changing `name` replaces the domain (and, through `domain_id`, its inboxes).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Domain id (`dom_…`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The domain name, e.g. `mail.acme.com`. Changing it forces a new domain.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 253),
					// Mailman stores names lowercased without a trailing dot; anything else would plan forever.
					stringvalidator.RegexMatches(regexp.MustCompile(`^[^A-Z\s]*[^A-Z\s.]$`),
						"must be lowercase, without spaces or a trailing dot, as Mailman stores it"),
				},
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

func (r *DomainResource) Configure(ctx context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *DomainResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan DomainModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}

	created, err := r.client.DomainsCreateWithResponse(ctx, nil, client.DomainCreate{Name: plan.Name.ValueString()})
	if !checkResponse(&resp.Diagnostics, "Unable to create Mailman domain", err, created, http.StatusCreated) {
		return
	}
	state := domainModel(ctx, created.JSON201, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *DomainResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state DomainModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	got, err := r.client.DomainsRetrieveWithResponse(ctx, state.ID.ValueString())
	if err == nil && got.StatusCode() == http.StatusNotFound {
		// Deleted outside Terraform: forget it so the next plan creates it again.
		resp.State.RemoveResource(ctx)
		return
	}
	if !checkResponse(&resp.Diagnostics, "Unable to read Mailman domain", err, got, http.StatusOK) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, domainModel(ctx, got.JSON200, &resp.Diagnostics))...)
}

// Update only ever sees computed values change, because name forces replacement.
func (r *DomainResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan DomainModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *DomainResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state DomainModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	deleted, err := r.client.DomainsDeleteWithResponse(ctx, state.ID.ValueString())
	if err == nil && deleted.StatusCode() == http.StatusNotFound {
		return
	}
	checkResponse(&resp.Diagnostics, "Unable to delete Mailman domain", err, deleted, http.StatusNoContent)
}

func (r *DomainResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// domainModel converts an API domain into Terraform state.
func domainModel(ctx context.Context, d *client.Domain, diags *diag.Diagnostics) DomainModel {
	records := make([]dnsRecordModel, 0, len(d.Records))
	for _, rec := range d.Records {
		priority := types.Int64Null()
		if rec.Priority != nil {
			priority = types.Int64Value(int64(*rec.Priority))
		}
		records = append(records, dnsRecordModel{
			Type:     types.StringValue(string(rec.Type)),
			Name:     types.StringValue(rec.Name),
			Value:    types.StringValue(rec.Value),
			Priority: priority,
			Status:   types.StringValue(string(rec.Status)),
		})
	}
	recordList, listDiags := types.ListValueFrom(ctx, dnsRecordType, records)
	diags.Append(listDiags...)

	verifiedAt := types.StringNull()
	if d.VerifiedAt != nil {
		verifiedAt = types.StringValue(d.VerifiedAt.UTC().Format(time.RFC3339))
	}
	return DomainModel{
		ID:         types.StringValue(d.Id),
		Name:       types.StringValue(d.Name),
		Status:     types.StringValue(string(d.Status)),
		Records:    recordList,
		VerifiedAt: verifiedAt,
	}
}
