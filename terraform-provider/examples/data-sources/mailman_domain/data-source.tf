data "mailman_domain" "by_name" {
  name = "mail.acme.com"
}

data "mailman_domain" "by_id" {
  id = "dom_01j9zq3k4m5n6p7r8s9t0va1b2"
}
