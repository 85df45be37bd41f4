# Every alarm (docs/infrastructure.md#alarms-and-scaling) notifies the alarms topic; two of them also drive the worker's step scaling.

locals {
  alarm_actions = [module.alarms_topic.topic_arn]

  dead_letter_alarms = toset(["inbound", "outbound", "telemetry"])
  queue_age_alarms = {
    inbound  = 300 # seconds: received mail should reach its inbox within minutes
    outbound = 900 # seconds: throttled sends are retried with backoff
  }
  task_count_alarms = {
    api    = "mailman-api"
    worker = "mailman-worker"
  }
  # The worker's backlog: mail waiting to be stored and mail waiting to be sent.
  backlog_queries = [
    {
      id          = "backlog"
      expression  = "inbound + outbound"
      label       = "Visible messages in the inbound and outbound queues"
      return_data = true
    },
    {
      id = "inbound"
      metric = [{
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = module.queues["inbound"].queue_name }
        period      = 60
        stat        = "Maximum"
      }]
    },
    {
      id = "outbound"
      metric = [{
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = module.queues["outbound"].queue_name }
        period      = 60
        stat        = "Maximum"
      }]
    },
  ]
}

module "alarms_topic" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/sns/aws"
  version = "~> 6.0"

  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.mailman.arn

  topic_policy_statements = {
    cloudwatch = {
      sid     = "CloudWatchPublishesAlarms"
      actions = ["sns:Publish"]
      principals = [{
        type        = "Service"
        identifiers = ["cloudwatch.amazonaws.com"]
      }]
      conditions = [{
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }]
    }
  }

  subscriptions = { for address in var.alarm_emails : address => { protocol = "email", endpoint = address } }

  tags = local.tags
}

module "dead_letter_alarm" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/cloudwatch/aws//modules/metric-alarm"
  version = "~> 5.0"

  for_each = local.dead_letter_alarms

  alarm_name          = "${local.name}-${each.key}-dlq-depth"
  alarm_description   = "Messages in the ${each.key} dead-letter queue: they failed every retry and need a look."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = module.queues[each.key].dead_letter_queue_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

module "queue_age_alarm" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/cloudwatch/aws//modules/metric-alarm"
  version = "~> 5.0"

  for_each = local.queue_age_alarms

  alarm_name          = "${local.name}-${each.key}-queue-age"
  alarm_description   = "The oldest message in the ${each.key} queue is older than ${each.value} s: the worker is behind or stuck."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = module.queues[each.key].queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

module "task_count_alarm" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/cloudwatch/aws//modules/metric-alarm"
  version = "~> 5.0"

  for_each = local.task_count_alarms

  alarm_name          = "${local.name}-${each.key}-task-count"
  alarm_description   = "No ${each.value} task is running."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = module.ecs.cluster_name, ServiceName = each.value }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = local.tags
}

module "alb_5xx_rate_alarm" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/cloudwatch/aws//modules/metric-alarm"
  version = "~> 5.0"

  alarm_name          = "${local.name}-alb-5xx-rate"
  alarm_description   = "More than 5% of API requests answered with a 5xx over 5 minutes."
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query = [
    {
      id          = "rate"
      expression  = "100 * (elb5xx + target5xx) / MAX([requests, 1])"
      label       = "5xx responses (%)"
      return_data = true
    },
    {
      id = "elb5xx"
      metric = [{
        namespace   = "AWS/ApplicationELB"
        metric_name = "HTTPCode_ELB_5XX_Count"
        dimensions  = { LoadBalancer = module.alb.arn_suffix }
        period      = 60
        stat        = "Sum"
      }]
    },
    {
      id = "target5xx"
      metric = [{
        namespace   = "AWS/ApplicationELB"
        metric_name = "HTTPCode_Target_5XX_Count"
        dimensions  = { LoadBalancer = module.alb.arn_suffix }
        period      = 60
        stat        = "Sum"
      }]
    },
    {
      id = "requests"
      metric = [{
        namespace   = "AWS/ApplicationELB"
        metric_name = "RequestCount"
        dimensions  = { LoadBalancer = module.alb.arn_suffix }
        period      = 60
        stat        = "Sum"
      }]
    },
  ]

  tags = local.tags
}

module "worker_scaling_high_alarm" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/cloudwatch/aws//modules/metric-alarm"
  version = "~> 5.0"

  alarm_name          = "${local.name}-worker-scaling-high"
  alarm_description   = "Worker backlog above ${var.worker_scale_out_backlog} messages: add a worker task."
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.worker_scale_out_backlog
  treat_missing_data  = "notBreaching"
  metric_query        = local.backlog_queries
  alarm_actions       = concat([module.ecs.services["mailman-worker"].autoscaling_policies["scale-out"].arn], local.alarm_actions)
  ok_actions          = local.alarm_actions

  tags = local.tags
}

module "worker_scaling_low_alarm" {
  #checkov:skip=CKV_TF_1:Registry module pinned by a ~> version (docs/infrastructure.md); tests/terraform/modules.json checks every input against the tag it resolves to.
  source  = "terraform-aws-modules/cloudwatch/aws//modules/metric-alarm"
  version = "~> 5.0"

  alarm_name          = "${local.name}-worker-scaling-low"
  alarm_description   = "Worker backlog below ${floor(var.worker_scale_out_backlog / 10)} messages: remove a worker task."
  evaluation_periods  = 10
  comparison_operator = "LessThanThreshold"
  threshold           = floor(var.worker_scale_out_backlog / 10)
  treat_missing_data  = "breaching"
  metric_query        = local.backlog_queries
  alarm_actions       = concat([module.ecs.services["mailman-worker"].autoscaling_policies["scale-in"].arn], local.alarm_actions)
  ok_actions          = local.alarm_actions

  tags = local.tags
}
