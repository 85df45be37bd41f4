package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/mailman/mailman/terraform-provider/internal/client"
)

// apiResponse is what every generated *…Response offers.
type apiResponse interface {
	StatusCode() int
	GetBody() []byte
}

// checkResponse turns a transport error or an unexpected status into an error diagnostic that
// quotes the API's problem detail, and reports whether the call succeeded with status want.
func checkResponse(diags *diag.Diagnostics, summary string, err error, resp apiResponse, want int) bool {
	if err != nil {
		diags.AddError(summary, "Could not reach the Mailman API: "+err.Error())
		return false
	}
	if resp.StatusCode() == want {
		return true
	}
	diags.AddError(summary, describeProblem(resp.StatusCode(), resp.GetBody()))
	return false
}

// describeProblem renders an application/problem+json body (or whatever came instead) as one message.
func describeProblem(status int, body []byte) string {
	var problem client.Problem
	if err := json.Unmarshal(body, &problem); err != nil || problem.Detail == "" {
		text := strings.TrimSpace(string(body))
		if len(text) > 512 {
			text = text[:512] + "…"
		}
		return fmt.Sprintf("The Mailman API answered HTTP %d %s: %s", status, http.StatusText(status), text)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The Mailman API answered HTTP %d (%s): %s", status, problem.Code, problem.Detail)
	if problem.Errors != nil {
		for _, e := range *problem.Errors {
			fmt.Fprintf(&b, "\n  - %s: %s", e.Field, e.Message)
		}
	}
	if problem.RequestId != nil {
		fmt.Fprintf(&b, "\n(request id %s)", *problem.RequestId)
	}
	return b.String()
}

// pageSize is the largest page the list endpoints serve.
const pageSize = 100

// findDomain pages through all domains and returns the first one match accepts, or nil.
func findDomain(ctx context.Context, c *client.ClientWithResponses, diags *diag.Diagnostics, match func(client.Domain) bool) *client.Domain {
	limit := pageSize
	params := &client.DomainsListParams{Limit: &limit}
	for {
		resp, err := c.DomainsListWithResponse(ctx, params)
		if !checkResponse(diags, "Unable to list Mailman domains", err, resp, http.StatusOK) {
			return nil
		}
		for i := range resp.JSON200.Data {
			if match(resp.JSON200.Data[i]) {
				return &resp.JSON200.Data[i]
			}
		}
		if resp.JSON200.NextCursor == nil {
			return nil
		}
		params.Cursor = resp.JSON200.NextCursor
	}
}

// findInbox pages through all inboxes visible to the token and returns the first one match accepts, or nil.
func findInbox(ctx context.Context, c *client.ClientWithResponses, diags *diag.Diagnostics, match func(client.Inbox) bool) *client.Inbox {
	limit := pageSize
	params := &client.InboxesListParams{Limit: &limit}
	for {
		resp, err := c.InboxesListWithResponse(ctx, params)
		if !checkResponse(diags, "Unable to list Mailman inboxes", err, resp, http.StatusOK) {
			return nil
		}
		for i := range resp.JSON200.Data {
			if match(resp.JSON200.Data[i]) {
				return &resp.JSON200.Data[i]
			}
		}
		if resp.JSON200.NextCursor == nil {
			return nil
		}
		params.Cursor = resp.JSON200.NextCursor
	}
}

// clientFromProviderData extracts the API client handed over by the provider's Configure.
func clientFromProviderData(data any, diags *diag.Diagnostics) *client.ClientWithResponses {
	if data == nil {
		// Configure has not run yet (e.g. during validation); the framework calls again later.
		return nil
	}
	c, ok := data.(*client.ClientWithResponses)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *client.ClientWithResponses, got %T. Please report this issue to the provider developers.", data))
		return nil
	}
	return c
}
