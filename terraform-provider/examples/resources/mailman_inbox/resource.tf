resource "mailman_inbox" "support" {
  domain_id  = mailman_domain.support.id
  local_part = "support"
  name       = "Support"
}

# On the deployment's default domain, with a random local part.
resource "mailman_inbox" "scratch" {}
