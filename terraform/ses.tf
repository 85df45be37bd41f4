# SES: a DKIM-signed identity per mail domain, receiving into S3 (+ SNS notice), and the configuration
# set whose events (docs/architecture.md#telemetry) reach the telemetry queue through SNS.

locals {
  # The S3 blob store sends keys under raw/ to the raw-mail bucket (services/.../adapters/aws.py),
  # and the local SMTP ingress uses raw/inbound/ too.
  ses_object_key_prefix = "raw/inbound/"

  ses_event_types = ["SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "REJECT", "DELIVERY_DELAY"]
}

resource "aws_sesv2_email_identity" "domains" {
  for_each = toset(var.ses_domains)

  email_identity         = each.value
  configuration_set_name = aws_sesv2_configuration_set.mailman.configuration_set_name

  dkim_signing_attributes {
    next_signing_key_length = "RSA_2048_BIT"
  }
}

resource "aws_ses_receipt_rule_set" "mailman" {
  rule_set_name = local.name
}

resource "aws_ses_receipt_rule" "store_and_notify" {
  name          = "${local.name}-store-and-notify"
  rule_set_name = aws_ses_receipt_rule_set.mailman.rule_set_name
  recipients    = var.ses_domains
  enabled       = true
  scan_enabled  = true
  tls_policy    = "Require"

  # Stores the raw message, then publishes the SES notification (with bucketName and objectKey) to SNS.
  s3_action {
    position          = 1
    bucket_name       = module.raw_mail_bucket.s3_bucket_id
    object_key_prefix = local.ses_object_key_prefix
    topic_arn         = aws_sns_topic.inbound_notification.arn
  }

  depends_on = [module.raw_mail_bucket, aws_sns_topic_policy.ses_publishes]
}

# An account has one active rule set per region: run each environment in its own account.
resource "aws_ses_active_receipt_rule_set" "mailman" {
  rule_set_name = aws_ses_receipt_rule_set.mailman.rule_set_name

  depends_on = [aws_ses_receipt_rule.store_and_notify]
}

resource "aws_sesv2_configuration_set" "mailman" {
  configuration_set_name = local.name

  # Mail goes to arbitrary recipients' servers: requiring TLS would drop mail to the few without STARTTLS.
  delivery_options {
    tls_policy = "OPTIONAL"
  }

  reputation_options {
    reputation_metrics_enabled = true
  }

  sending_options {
    sending_enabled = true
  }
}

resource "aws_sesv2_configuration_set_event_destination" "delivery_events" {
  configuration_set_name = aws_sesv2_configuration_set.mailman.configuration_set_name
  event_destination_name = "delivery-events"

  event_destination {
    enabled              = true
    matching_event_types = local.ses_event_types

    sns_destination {
      topic_arn = aws_sns_topic.delivery_events.arn
    }
  }

  depends_on = [aws_sns_topic_policy.ses_publishes]
}
