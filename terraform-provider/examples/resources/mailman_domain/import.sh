# A domain is imported by its id.
terraform import mailman_domain.support dom_01j9zq3k4m5n6p7r8s9t0va1b2
