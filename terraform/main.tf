# Mailman on AWS (docs/infrastructure.md): network, database, mail storage, queues, and the ECS services.
# SES lives in ses.tf, the load balancer in alb.tf, images and CI access in ecr.tf, alarms in monitoring.tf.

locals {
  name   = "mailman-${var.environment}"
  region = var.region
  azs    = var.azs

  tags = {
    Project     = "mailman"
    Environment = var.environment
    ManagedBy   = "terraform"
  }

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # The queue table of docs/architecture.md#queues (QUEUES in ports.py). Short polling is a receive wait of 0 s, long polling 20 s.
  queues = {
    inbound   = { visibility_timeout_seconds = 60, max_receive_count = 5, receive_wait_time_seconds = 0, fifo_queue = false }
    outbound  = { visibility_timeout_seconds = 300, max_receive_count = 3, receive_wait_time_seconds = 20, fifo_queue = false }
    telemetry = { visibility_timeout_seconds = 60, max_receive_count = 10, receive_wait_time_seconds = 0, fifo_queue = false }
    webhooks  = { visibility_timeout_seconds = 60, max_receive_count = 7, receive_wait_time_seconds = 20, fifo_queue = true }
  }
  message_retention_seconds = 1209600 # 14 days

  # Queues SES feeds through SNS.
  queue_topics = {
    inbound   = aws_sns_topic.inbound_notification.arn
    telemetry = aws_sns_topic.delivery_events.arn
  }

  db_name     = "mailman"
  db_username = "mailman"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

################################################################################
# Encryption key (S3 objects, SNS topics, the database)
################################################################################

resource "aws_kms_key" "mailman" {
  description             = "${local.name}: mail in S3, SNS topics and the database"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "mailman" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.mailman.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource means this key only; the account statement is what lets IAM policies grant use of it.
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource means this key only.
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource means this key only.
  statement {
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # SES writes received mail into the KMS-encrypted bucket and publishes to encrypted topics;
  # CloudWatch publishes alarms to the encrypted alarms topic.
  statement {
    sid       = "ServicesEncryptForThisAccount"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["ses.amazonaws.com", "cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

################################################################################
# Network
################################################################################

module "vpc" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 6.0"

  name = local.name
  cidr = var.vpc_cidr
  azs  = local.azs

  public_subnets   = [for index, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, index)]
  private_subnets  = [for index, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, index + 10)]
  database_subnets = [for index, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, index + 20)]

  create_database_subnet_group = true

  enable_nat_gateway     = true
  single_nat_gateway     = !var.one_nat_gateway_per_az
  one_nat_gateway_per_az = var.one_nat_gateway_per_az

  enable_dns_hostnames = true
  enable_dns_support   = true

  tags = local.tags
}

resource "aws_security_group" "alb" {
  #checkov:skip=CKV2_AWS_5:Attached to the load balancer through module.alb (security_groups), which checkov does not download.
  name        = "${local.name}-alb"
  description = "Mailman load balancer: HTTPS from anywhere, HTTP only to redirect"
  vpc_id      = module.vpc.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from anywhere"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:Port 80 only answers with a redirect to HTTPS (alb.tf); no content is served over HTTP.
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from anywhere, redirected to HTTPS"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_egress_rule" "alb_to_api" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the API tasks"
  referenced_security_group_id = aws_security_group.api.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_security_group" "api" {
  #checkov:skip=CKV2_AWS_5:Attached to the mailman-api service through module.ecs (security_group_ids), which checkov does not download.
  name        = "${local.name}-api"
  description = "Mailman API tasks: 8080 from the load balancer only"
  vpc_id      = module.vpc.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "api_from_alb" {
  security_group_id            = aws_security_group.api.id
  description                  = "8080 from the load balancer only"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_vpc_security_group_egress_rule" "api_https" {
  security_group_id = aws_security_group.api.id
  description       = "AWS APIs (S3, SQS, SES, Secrets Manager, ECR) through the NAT gateway"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "api_to_rds" {
  security_group_id            = aws_security_group.api.id
  description                  = "To the database"
  referenced_security_group_id = aws_security_group.rds.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_security_group" "worker" {
  #checkov:skip=CKV2_AWS_5:Attached to the mailman-worker service through module.ecs (security_group_ids), which checkov does not download.
  name        = "${local.name}-worker"
  description = "Mailman worker tasks: no inbound traffic"
  vpc_id      = module.vpc.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "worker_internet" {
  security_group_id = aws_security_group.worker.id
  description       = "AWS APIs and customers' webhook endpoints, which may listen on any TCP port"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 1
  to_port           = 65535
}

resource "aws_vpc_security_group_egress_rule" "worker_to_rds" {
  security_group_id            = aws_security_group.worker.id
  description                  = "To the database"
  referenced_security_group_id = aws_security_group.rds.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_security_group" "rds" {
  #checkov:skip=CKV2_AWS_5:Attached to the database through module.rds (vpc_security_group_ids), which checkov does not download.
  name        = "${local.name}-rds"
  description = "Mailman database: 5432 from the ECS tasks only"
  vpc_id      = module.vpc.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "rds_from_ecs" {
  for_each = {
    api    = aws_security_group.api.id
    worker = aws_security_group.worker.id
  }

  security_group_id            = aws_security_group.rds.id
  description                  = "5432 from the ${each.key} tasks"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

################################################################################
# Database
################################################################################

module "rds" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/rds/aws"
  version = "~> 6.12"

  identifier = local.name

  engine               = "postgres"
  engine_version       = "17"
  family               = "postgres17"
  major_engine_version = "17"
  instance_class       = var.db_instance_class

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_allocated_storage * 10
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.mailman.arn

  db_name  = local.db_name
  username = local.db_username
  port     = 5432
  # RDS keeps the password in Secrets Manager; the tasks receive it as a secret, never as plain text.
  manage_master_user_password         = true
  iam_database_authentication_enabled = true

  multi_az               = var.db_multi_az
  db_subnet_group_name   = module.vpc.database_subnet_group_name
  vpc_security_group_ids = [aws_security_group.rds.id]
  publicly_accessible    = false

  monitoring_interval    = 60
  create_monitoring_role = true
  monitoring_role_name   = "${local.name}-rds-monitoring"

  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
  create_cloudwatch_log_group     = true

  parameters = [
    { name = "rds.force_ssl", value = "1" },
    { name = "log_min_duration_statement", value = "1000" },
  ]

  backup_retention_period    = 7
  copy_tags_to_snapshot      = true
  auto_minor_version_upgrade = true
  deletion_protection        = var.db_deletion_protection
  skip_final_snapshot        = !var.db_deletion_protection

  tags = local.tags
}

################################################################################
# Mail storage
################################################################################

module "raw_mail_bucket" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 5.4"

  bucket        = "${local.name}-raw-mail-${local.account_id}"
  force_destroy = false

  versioning = { enabled = true }

  server_side_encryption_configuration = {
    rule = {
      bucket_key_enabled = true
      apply_server_side_encryption_by_default = {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = aws_kms_key.mailman.arn
      }
    }
  }

  lifecycle_rule = [
    {
      # No expiry of current objects: the worker deletes mail, for DELETE and for each inbox's retention_days
      # (any retention the API accepts, up to 36,500 days). What it deletes becomes an old version, gone after 30 days.
      id                                     = "raw-mail-old-versions"
      enabled                                = true
      expiration                             = { expired_object_delete_marker = true }
      noncurrent_version_expiration          = { days = 30 }
      abort_incomplete_multipart_upload_days = 7
    },
  ]

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true

  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"

  attach_policy                         = true
  policy                                = data.aws_iam_policy_document.raw_mail_bucket.json
  attach_deny_insecure_transport_policy = true
  attach_require_latest_tls_policy      = true

  logging = {
    target_bucket = module.logs_bucket.s3_bucket_id
    target_prefix = "s3/raw-mail/"
  }

  tags = local.tags
}

data "aws_iam_policy_document" "raw_mail_bucket" {
  statement {
    sid       = "SesStoresReceivedMail"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${local.name}-raw-mail-${local.account_id}/${local.ses_object_key_prefix}*"]

    principals {
      type        = "Service"
      identifiers = ["ses.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ses:${local.region}:${local.account_id}:receipt-rule-set/${local.name}:receipt-rule/*"]
    }
  }
}

module "attachments_bucket" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 5.4"

  bucket        = "${local.name}-attachments-${local.account_id}"
  force_destroy = false

  versioning = { enabled = true }

  server_side_encryption_configuration = {
    rule = {
      bucket_key_enabled = true
      apply_server_side_encryption_by_default = {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = aws_kms_key.mailman.arn
      }
    }
  }

  lifecycle_rule = [
    {
      # No expiry of current objects: the worker deletes mail, for DELETE and for each inbox's retention_days
      # (any retention the API accepts, up to 36,500 days). What it deletes becomes an old version, gone after 30 days.
      id                                     = "attachments-old-versions"
      enabled                                = true
      expiration                             = { expired_object_delete_marker = true }
      noncurrent_version_expiration          = { days = 30 }
      abort_incomplete_multipart_upload_days = 7
    },
  ]

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true

  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"

  attach_deny_insecure_transport_policy = true
  attach_require_latest_tls_policy      = true

  logging = {
    target_bucket = module.logs_bucket.s3_bucket_id
    target_prefix = "s3/attachments/"
  }

  tags = local.tags
}

# Access logs of the load balancer and of the two mail buckets. Both log deliveries write only to
# buckets encrypted with S3-managed keys (SSE-S3); SSE-KMS is not supported for them.
module "logs_bucket" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 5.4"

  bucket        = "${local.name}-logs-${local.account_id}"
  force_destroy = false

  versioning = { enabled = true }

  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        sse_algorithm = "AES256"
      }
    }
  }

  lifecycle_rule = [
    {
      id                                     = "expire-logs"
      enabled                                = true
      expiration                             = { days = 90 }
      noncurrent_version_expiration          = { days = 7 }
      abort_incomplete_multipart_upload_days = 7
    },
  ]

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true

  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"

  attach_lb_log_delivery_policy     = true
  attach_access_log_delivery_policy = true
  access_log_delivery_policy_source_buckets = [
    "arn:${local.partition}:s3:::${local.name}-raw-mail-${local.account_id}",
    "arn:${local.partition}:s3:::${local.name}-attachments-${local.account_id}",
  ]
  attach_deny_insecure_transport_policy = true
  attach_require_latest_tls_policy      = true

  tags = local.tags
}

################################################################################
# Queues (docs/architecture.md#queues) and the SNS topics that feed them
################################################################################

module "queues" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/sqs/aws"
  version = "~> 5.0"

  for_each = local.queues

  name       = "${local.name}-${each.key}"
  fifo_queue = each.value.fifo_queue

  visibility_timeout_seconds = each.value.visibility_timeout_seconds
  receive_wait_time_seconds  = each.value.receive_wait_time_seconds
  message_retention_seconds  = local.message_retention_seconds
  sqs_managed_sse_enabled    = true

  create_dlq                    = true
  redrive_policy                = { maxReceiveCount = each.value.max_receive_count }
  dlq_message_retention_seconds = local.message_retention_seconds
  dlq_sqs_managed_sse_enabled   = true

  # Only the queues SNS feeds get a policy: the topic may send to its queue, nothing else may.
  create_queue_policy = contains(keys(local.queue_topics), each.key)
  queue_policy_statements = {
    sns = {
      sid     = "SnsTopicSendsMessages"
      actions = ["sqs:SendMessage"]
      principals = [{
        type        = "Service"
        identifiers = ["sns.amazonaws.com"]
      }]
      condition = [{
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [lookup(local.queue_topics, each.key, "")]
      }]
    }
  }

  tags = local.tags
}

resource "aws_sns_topic" "inbound_notification" {
  name              = "${local.name}-inbound-notification"
  kms_master_key_id = aws_kms_key.mailman.arn
}

resource "aws_sns_topic" "delivery_events" {
  name              = "${local.name}-delivery-events"
  kms_master_key_id = aws_kms_key.mailman.arn
}

resource "aws_sns_topic_policy" "ses_publishes" {
  for_each = {
    inbound_notification = aws_sns_topic.inbound_notification.arn
    delivery_events      = aws_sns_topic.delivery_events.arn
  }

  arn    = each.value
  policy = data.aws_iam_policy_document.ses_publishes[each.key].json
}

data "aws_iam_policy_document" "ses_publishes" {
  for_each = {
    inbound_notification = aws_sns_topic.inbound_notification.arn
    delivery_events      = aws_sns_topic.delivery_events.arn
  }

  statement {
    sid       = "SesPublishesForThisAccount"
    actions   = ["sns:Publish"]
    resources = [each.value]

    principals {
      type        = "Service"
      identifiers = ["ses.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# The worker reads the SNS JSON envelope (the SES notification is the string in `Message`), so no raw delivery.
resource "aws_sns_topic_subscription" "queues" {
  for_each = local.queue_topics

  topic_arn            = each.value
  protocol             = "sqs"
  endpoint             = module.queues[each.key].queue_arn
  raw_message_delivery = false
}

################################################################################
# ECS: the cluster, the API and the worker
################################################################################

locals {
  # Every MAILMAN_* setting the services read with the aws backend (services/src/mailman_services/config.py).
  # The image's entrypoint builds MAILMAN_DATABASE_URL from the MAILMAN_DATABASE_* parts and the secret password.
  container_environment = concat(
    [
      { name = "MAILMAN_BACKEND", value = "aws" },
      { name = "MAILMAN_LOG_FORMAT", value = "json" },
      { name = "MAILMAN_RAW_BUCKET", value = module.raw_mail_bucket.s3_bucket_id },
      { name = "MAILMAN_ATTACHMENTS_BUCKET", value = module.attachments_bucket.s3_bucket_id },
      { name = "MAILMAN_INBOUND_QUEUE_URL", value = module.queues["inbound"].queue_url },
      { name = "MAILMAN_OUTBOUND_QUEUE_URL", value = module.queues["outbound"].queue_url },
      { name = "MAILMAN_TELEMETRY_QUEUE_URL", value = module.queues["telemetry"].queue_url },
      { name = "MAILMAN_WEBHOOKS_QUEUE_URL", value = module.queues["webhooks"].queue_url },
      { name = "MAILMAN_SES_CONFIGURATION_SET", value = aws_sesv2_configuration_set.mailman.configuration_set_name },
      { name = "MAILMAN_DATABASE_HOST", value = module.rds.db_instance_address },
      { name = "MAILMAN_DATABASE_PORT", value = "5432" },
      { name = "MAILMAN_DATABASE_NAME", value = local.db_name },
      { name = "MAILMAN_DATABASE_USER", value = local.db_username },
      { name = "AWS_DEFAULT_REGION", value = local.region },
    ],
    var.default_domain == null ? [] : [{ name = "MAILMAN_DEFAULT_DOMAIN", value = var.default_domain }],
    var.mail_retention_days == null ? [] : [{ name = "MAILMAN_RETENTION_DAYS", value = tostring(var.mail_retention_days) }],
  )

  container_secrets = concat(
    [{ name = "MAILMAN_DATABASE_PASSWORD", valueFrom = "${module.rds.db_instance_master_user_secret_arn}:password::" }],
    var.api_token_secret_arn == null ? [] : [{ name = "MAILMAN_API_TOKEN", valueFrom = var.api_token_secret_arn }],
  )

  task_secret_arns = compact([module.rds.db_instance_master_user_secret_arn, var.api_token_secret_arn])

  queue_arns       = { for name, queue in module.queues : name => queue.queue_arn }
  dead_letter_arns = [for queue in module.queues : queue.dead_letter_queue_arn]
  identity_arns    = [for identity in aws_sesv2_email_identity.domains : identity.arn]

  # Permissions both services need: the mail objects and the key that encrypts them.
  mail_storage_statements = [
    {
      sid     = "ReadWriteDeleteRawMail"
      actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = [
        "${module.raw_mail_bucket.s3_bucket_arn}/raw/*",
      ]
    },
    {
      sid       = "ReadWriteDeleteAttachments"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = ["${module.attachments_bucket.s3_bucket_arn}/*"]
    },
    {
      sid       = "UseMailKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [aws_kms_key.mailman.arn]
    },
  ]

  # Root file system read-only; /tmp is a task-local scratch volume.
  scratch_mount = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
}

module "ecs" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/ecs/aws"
  version = "~> 6.2"

  cluster_name = local.name

  cluster_setting = [{ name = "containerInsights", value = "enabled" }]

  default_capacity_provider_strategy = {
    FARGATE = { weight = 100, base = 1 }
  }

  services = {
    mailman-api = {
      cpu                      = 256
      memory                   = 512
      requires_compatibilities = ["FARGATE"]
      launch_type              = "FARGATE"
      desired_count            = var.api_min_count

      subnet_ids            = module.vpc.private_subnets
      assign_public_ip      = false
      create_security_group = false
      security_group_ids    = [aws_security_group.api.id]

      load_balancer = {
        api = {
          target_group_arn = module.alb.target_groups["api"].arn
          container_name   = "api"
          container_port   = 8080
        }
      }
      health_check_grace_period_seconds = 60

      volume = { tmp = {} }

      container_definitions = {
        # Runs to completion before the API starts, so a new image's schema is in place first.
        migrate = {
          image                     = "${module.ecr["mailman-api"].repository_url}:${var.image_tag}"
          command                   = ["migrate"]
          essential                 = false
          environment               = local.container_environment
          secrets                   = local.container_secrets
          mountPoints               = local.scratch_mount
          readonlyRootFilesystem    = true
          enable_cloudwatch_logging = true
          cloudwatch_log_group_name = "/ecs/${local.name}/migrate"

          cloudwatch_log_group_retention_in_days = var.log_retention_days
        }

        api = {
          image     = "${module.ecr["mailman-api"].repository_url}:${var.image_tag}"
          command   = ["api", "--host", "0.0.0.0", "--port", "8080"]
          essential = true
          dependsOn = [{ containerName = "migrate", condition = "SUCCESS" }]
          portMappings = [{
            name          = "http"
            containerPort = 8080
            protocol      = "tcp"
          }]
          healthCheck = {
            command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=3)"]
            interval    = 30
            timeout     = 5
            retries     = 3
            startPeriod = 30
          }
          environment               = local.container_environment
          secrets                   = local.container_secrets
          mountPoints               = local.scratch_mount
          readonlyRootFilesystem    = true
          enable_cloudwatch_logging = true
          cloudwatch_log_group_name = "/ecs/${local.name}/api"

          cloudwatch_log_group_retention_in_days = var.log_retention_days
        }
      }

      task_exec_secret_arns = local.task_secret_arns

      tasks_iam_role_statements = concat(local.mail_storage_statements, [
        {
          sid       = "EnqueueOutboundAndWebhooks"
          actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
          resources = [local.queue_arns["outbound"], local.queue_arns["webhooks"]]
        },
        {
          sid       = "ManageDomainIdentities"
          actions   = ["ses:CreateEmailIdentity", "ses:GetEmailIdentity"]
          resources = local.identity_arns
        },
      ])

      enable_autoscaling       = true
      autoscaling_min_capacity = var.api_min_count
      autoscaling_max_capacity = var.api_max_count
      autoscaling_policies = {
        cpu = {
          policy_type = "TargetTrackingScaling"
          target_tracking_scaling_policy_configuration = {
            predefined_metric_specification = { predefined_metric_type = "ECSServiceAverageCPUUtilization" }
            target_value                    = 60
            scale_in_cooldown               = 300
            scale_out_cooldown              = 60
          }
        }
        memory = {
          policy_type = "TargetTrackingScaling"
          target_tracking_scaling_policy_configuration = {
            predefined_metric_specification = { predefined_metric_type = "ECSServiceAverageMemoryUtilization" }
            target_value                    = 75
            scale_in_cooldown               = 300
            scale_out_cooldown              = 60
          }
        }
      }

      tags = local.tags
    }

    mailman-worker = {
      cpu                      = 256
      memory                   = 512
      requires_compatibilities = ["FARGATE"]
      launch_type              = "FARGATE"
      desired_count            = var.worker_min_count

      subnet_ids            = module.vpc.private_subnets
      assign_public_ip      = false
      create_security_group = false
      security_group_ids    = [aws_security_group.worker.id]

      volume = { tmp = {} }

      container_definitions = {
        worker = {
          image                     = "${module.ecr["mailman-worker"].repository_url}:${var.image_tag}"
          command                   = ["worker"]
          essential                 = true
          portMappings              = []
          environment               = local.container_environment
          secrets                   = local.container_secrets
          mountPoints               = local.scratch_mount
          readonlyRootFilesystem    = true
          stopTimeout               = 60
          enable_cloudwatch_logging = true
          cloudwatch_log_group_name = "/ecs/${local.name}/worker"

          cloudwatch_log_group_retention_in_days = var.log_retention_days
        }
      }

      task_exec_secret_arns = local.task_secret_arns

      tasks_iam_role_statements = concat(local.mail_storage_statements, [
        {
          sid = "ConsumeAndFeedQueues"
          actions = [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:SendMessage",
            "sqs:GetQueueAttributes",
          ]
          resources = values(local.queue_arns)
        },
        {
          # A job that can never be handled goes to its queue's dead-letter queue at once (Queue.dead_letter).
          sid       = "DeadLetterPoisonJobs"
          actions   = ["sqs:GetQueueUrl", "sqs:SendMessage"]
          resources = local.dead_letter_arns
        },
        {
          # Every process makes sure MAILMAN_DEFAULT_DOMAIN exists at start (cli.py, ensure_default).
          sid       = "ManageDomainIdentities"
          actions   = ["ses:CreateEmailIdentity", "ses:GetEmailIdentity"]
          resources = local.identity_arns
        },
        {
          sid       = "SendMailAsRegisteredDomains"
          actions   = ["ses:SendEmail", "ses:SendRawEmail"]
          resources = concat(local.identity_arns, [aws_sesv2_configuration_set.mailman.arn])
        },
      ])

      # Step scaling on queue depth; the alarms that drive these policies are in monitoring.tf.
      enable_autoscaling       = true
      autoscaling_min_capacity = var.worker_min_count
      autoscaling_max_capacity = var.worker_max_count
      autoscaling_policies = {
        scale-out = {
          policy_type = "StepScaling"
          step_scaling_policy_configuration = {
            adjustment_type         = "ChangeInCapacity"
            cooldown                = 120
            metric_aggregation_type = "Maximum"
            step_adjustment         = [{ metric_interval_lower_bound = "0", scaling_adjustment = 1 }]
          }
        }
        scale-in = {
          policy_type = "StepScaling"
          step_scaling_policy_configuration = {
            adjustment_type         = "ChangeInCapacity"
            cooldown                = 300
            metric_aggregation_type = "Maximum"
            step_adjustment         = [{ metric_interval_upper_bound = "0", scaling_adjustment = -1 }]
          }
        }
      }

      tags = local.tags
    }
  }

  tags = local.tags
}
