package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	_ resource.Resource                = &InboxResource{}
	_ resource.ResourceWithConfigure   = &InboxResource{}
	_ resource.ResourceWithImportState = &InboxResource{}
)

// localPartPattern is InboxCreate.local_part's pattern in openapi.yaml.
var localPartPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$`)

// NewInboxResource returns the mailman_inbox resource.
func NewInboxResource() resource.Resource {
	return &InboxResource{}
}

// InboxResource manages an inbox. Its display name and retention change in place; the address
// (domain and local part) cannot, so changing either replaces the inbox.
type InboxResource struct {
	client *client.ClientWithResponses
}

// InboxModel is the state of mailman_inbox (resource and data source).
type InboxModel struct {
	ID        types.String `tfsdk:"id"`
	DomainID  types.String `tfsdk:"domain_id"`
	LocalPart types.String `tfsdk:"local_part"`
	Name      types.String `tfsdk:"name"`
	Address   types.String `tfsdk:"address"`
	// RetentionDays is null when the inbox keeps its mail.
	RetentionDays types.Int64 `tfsdk:"retention_days"`
}

// maxRetentionDays is Inbox.retention_days' maximum in openapi.yaml.
const maxRetentionDays = 36500

func (r *InboxResource) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_inbox"
}

func (r *InboxResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An inbox: mail to `local_part@domain` (and `local_part+tag@domain`) lands here. Changing `domain_id` or `local_part` replaces the inbox; `name` and `retention_days` change in place.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Inbox id (`inb_…`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"domain_id": schema.StringAttribute{
				MarkdownDescription: "Id of the domain the inbox lives on (`dom_…`). Defaults to the deployment's default domain. Changing it forces a new inbox.",
				Optional:            true,
				Computed:            true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplace(),
				},
			},
			"local_part": schema.StringAttribute{
				MarkdownDescription: "The lowercase part of the address before `@`; a random one is generated when omitted. Changing it forces a new inbox.",
				Optional:            true,
				Computed:            true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplace(),
				},
				Validators: []validator.String{
					stringvalidator.RegexMatches(localPartPattern,
						"must be 1-64 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit"),
				},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Display name used in the From header of sent mail.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtMost(255)},
			},
			"address": schema.StringAttribute{
				MarkdownDescription: "The full address, `local_part@domain`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"retention_days": schema.Int64Attribute{
				MarkdownDescription: "Mail older than this many days is deleted by the Mailman worker (raw copies, attachments and bodies in events too). Omitted: the inbox keeps its mail (the deployment's `MAILMAN_RETENTION_DAYS` default does not apply to inboxes Terraform manages: the configuration says what they keep).",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, maxRetentionDays)},
			},
		},
	}
}

func (r *InboxResource) Configure(ctx context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *InboxResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan InboxModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// retention_days goes as an explicit null when not configured: left out, the API would apply the
	// deployment's default and the state would not match the configuration.
	body, err := json.Marshal(struct {
		client.InboxCreate
		RetentionDays *int64 `json:"retention_days"`
	}{
		InboxCreate: client.InboxCreate{
			DomainId:  knownStringPointer(plan.DomainID),
			LocalPart: knownStringPointer(plan.LocalPart),
			Name:      plan.Name.ValueStringPointer(),
		},
		RetentionDays: plan.RetentionDays.ValueInt64Pointer(),
	})
	if err != nil {
		resp.Diagnostics.AddError("Unable to create Mailman inbox", err.Error())
		return
	}
	created, err := r.client.InboxesCreateWithBodyWithResponse(ctx, nil, "application/json", bytes.NewReader(body))
	if !checkResponse(&resp.Diagnostics, "Unable to create Mailman inbox", err, created, http.StatusCreated) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, inboxModel(created.JSON201))...)
}

func (r *InboxResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state InboxModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	got, err := r.client.InboxesRetrieveWithResponse(ctx, state.ID.ValueString())
	if err == nil && got.StatusCode() == http.StatusNotFound {
		// Deleted outside Terraform: forget it so the next plan creates it again.
		resp.State.RemoveResource(ctx)
		return
	}
	if !checkResponse(&resp.Diagnostics, "Unable to read Mailman inbox", err, got, http.StatusOK) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, inboxModel(got.JSON200))...)
}

func (r *InboxResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state InboxModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// The generated InboxUpdate omits nil fields, but clearing the name or the retention needs an explicit null.
	body, err := json.Marshal(map[string]any{
		"name":           plan.Name.ValueStringPointer(),
		"retention_days": plan.RetentionDays.ValueInt64Pointer(),
	})
	if err != nil {
		resp.Diagnostics.AddError("Unable to update Mailman inbox", err.Error())
		return
	}
	updated, err := r.client.InboxesUpdateWithBodyWithResponse(ctx, state.ID.ValueString(), "application/json", bytes.NewReader(body))
	if !checkResponse(&resp.Diagnostics, "Unable to update Mailman inbox", err, updated, http.StatusOK) {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, inboxModel(updated.JSON200))...)
}

func (r *InboxResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state InboxModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	deleted, err := r.client.InboxesDeleteWithResponse(ctx, state.ID.ValueString())
	if err == nil && deleted.StatusCode() == http.StatusNotFound {
		return
	}
	checkResponse(&resp.Diagnostics, "Unable to delete Mailman inbox", err, deleted, http.StatusNoContent)
}

func (r *InboxResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// knownStringPointer is nil for a null or unknown (not configured, computed) value.
func knownStringPointer(v types.String) *string {
	if v.IsUnknown() {
		return nil
	}
	return v.ValueStringPointer()
}

// inboxModel converts an API inbox into Terraform state.
func inboxModel(i *client.Inbox) InboxModel {
	return InboxModel{
		ID:            types.StringValue(i.Id),
		DomainID:      types.StringValue(i.DomainId),
		LocalPart:     types.StringValue(i.LocalPart),
		Name:          types.StringPointerValue(i.Name),
		Address:       types.StringValue(string(i.Address)),
		RetentionDays: retentionDays(i.RetentionDays),
	}
}

// retentionDays is the API's retention_days as Terraform state (null: mail is kept).
func retentionDays(days *int) types.Int64 {
	if days == nil {
		return types.Int64Null()
	}
	return types.Int64Value(int64(*days))
}
