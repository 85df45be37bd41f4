data "mailman_inbox" "by_address" {
  address = "support@mail.acme.com"
}

data "mailman_inbox" "by_id" {
  id = "inb_01j9zq3k4m5n6p7r8s9t0vc3d4"
}
