resource "mailman_domain" "support" {
  name = "mail.acme.com"
}

# Publish these in DNS, then verify the domain through the API.
output "support_dns_records" {
  description = "DNS records mail.acme.com needs."
  value       = mailman_domain.support.records
}
