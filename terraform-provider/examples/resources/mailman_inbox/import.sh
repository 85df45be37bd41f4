# An inbox is imported by its id.
terraform import mailman_inbox.support inb_01j9zq3k4m5n6p7r8s9t0vc3d4
