package provider

import (
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
