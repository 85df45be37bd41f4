"""terraform/ holds what docs/infrastructure.md describes and the queue table of docs/architecture.md#queues."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from .conftest import ROOT, TERRAFORM, Config, parse

MODULES = {
    "vpc": ("terraform-aws-modules/vpc/aws", "~> 6.0"),
    "raw_mail_bucket": ("terraform-aws-modules/s3-bucket/aws", "~> 5.4"),
    "attachments_bucket": ("terraform-aws-modules/s3-bucket/aws", "~> 5.4"),
    "logs_bucket": ("terraform-aws-modules/s3-bucket/aws", "~> 5.4"),
    "rds": ("terraform-aws-modules/rds/aws", "~> 6.12"),
    "queues": ("terraform-aws-modules/sqs/aws", "~> 5.0"),
    "ecs": ("terraform-aws-modules/ecs/aws", "~> 6.2"),
    "ecr": ("terraform-aws-modules/ecr/aws", "~> 2.3"),
    "alb": ("terraform-aws-modules/alb/aws", "~> 9.0"),
    "alarms_topic": ("terraform-aws-modules/sns/aws", "~> 6.0"),
    "github_oidc_provider": ("terraform-aws-modules/iam/aws//modules/iam-oidc-provider", "~> 6.0"),
    "github_actions_role": ("terraform-aws-modules/iam/aws//modules/iam-role", "~> 6.0"),
}
ALARM_MODULES = {
    "dead_letter_alarm",
    "queue_age_alarm",
    "task_count_alarm",
    "alb_5xx_rate_alarm",
    "worker_scaling_high_alarm",
    "worker_scaling_low_alarm",
}
ENVIRONMENTS = ("dev", "staging", "production")


def tfvars(environment: str) -> dict[str, Any]:
    return parse(TERRAFORM / "environments" / f"{environment}.tfvars")


def aws_settings_the_services_require() -> set[str]:
    """MAILMAN_* names the aws backend refuses to start without, read from services' config.py."""
    tree = ast.parse((ROOT / "services/src/mailman_services/config.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "AWS_REQUIRED":
            return set(ast.literal_eval(node.value))
    raise AssertionError("AWS_REQUIRED not found in config.py")


def test_files_of_the_seed_exist() -> None:
    for name in ("versions.tf", "main.tf", "variables.tf", "outputs.tf", "ecr.tf", "alb.tf", "monitoring.tf", "ses.tf"):
        assert (TERRAFORM / name).is_file(), name
    assert (TERRAFORM / "bootstrap/create-state-bucket.sh").is_file()


def test_terraform_and_provider_versions_and_the_locked_s3_backend(config: Config) -> None:
    (block,) = config.terraform
    assert block["required_version"] == ">= 1.0"
    (providers,) = block["required_providers"]
    assert providers["aws"] == {"source": "hashicorp/aws", "version": "~> 6.12"}
    (backend,) = block["backend"]
    assert backend["s3"]["use_lockfile"] is True
    assert config.variables["region"]["default"] == "us-east-1"


@pytest.mark.parametrize(("name", "pin"), MODULES.items())
def test_module_source_and_version_pin(config: Config, name: str, pin: tuple[str, str]) -> None:
    assert (config.modules[name]["source"], config.modules[name]["version"]) == pin


def test_every_alarm_uses_the_cloudwatch_module(config: Config) -> None:
    for name in ALARM_MODULES:
        assert config.modules[name]["source"] == "terraform-aws-modules/cloudwatch/aws//modules/metric-alarm"
        assert config.modules[name]["version"] == "~> 5.0"


def test_every_module_block_ends_with_the_common_tags(config: Config) -> None:
    for name, body in config.modules.items():
        arguments = [key for key in body if key != "depends_on"]
        assert arguments[-1] == "tags" and body["tags"] == "${local.tags}", f"module.{name}"


def test_vpc_two_azs_three_subnet_tiers_and_a_switchable_nat(config: Config) -> None:
    vpc = config.modules["vpc"]
    assert config.variables["azs"]["default"] == ["us-east-1a", "us-east-1b"]
    assert vpc["azs"] == "${local.azs}"
    for tier in ("public_subnets", "private_subnets", "database_subnets"):
        assert "local.azs" in vpc[tier]
    assert vpc["create_database_subnet_group"] is True
    assert vpc["enable_nat_gateway"] is True
    assert vpc["single_nat_gateway"] == "${!var.one_nat_gateway_per_az}"
    assert vpc["one_nat_gateway_per_az"] == "${var.one_nat_gateway_per_az}"
    assert config.variables["one_nat_gateway_per_az"]["default"] is False


# The mail buckets keep current objects: the worker deletes mail (DELETE, each inbox's retention_days, which may
# be anything up to MAX_RETENTION_DAYS); S3 only drops the old versions what it deleted leaves behind.
KEPT_BY_THE_WORKER = {"expired_object_delete_marker": True}


@pytest.mark.parametrize(
    ("bucket", "expiration", "algorithm"),
    [
        ("raw_mail_bucket", KEPT_BY_THE_WORKER, "aws:kms"),
        ("attachments_bucket", KEPT_BY_THE_WORKER, "aws:kms"),
        ("logs_bucket", {"days": 90}, "AES256"),
    ],
)
def test_buckets_expire_encrypt_version_and_block_public_access(
    config: Config, bucket: str, expiration: dict[str, object], algorithm: str
) -> None:
    body = config.modules[bucket]
    (rule,) = body["lifecycle_rule"]
    assert rule["enabled"] is True
    assert rule["expiration"] == expiration
    assert "noncurrent_version_expiration" in rule
    assert body["versioning"] == {"enabled": True}
    default = body["server_side_encryption_configuration"]["rule"]["apply_server_side_encryption_by_default"]
    # The logs bucket takes ALB and S3 access logs, which AWS writes only to SSE-S3 buckets.
    assert default["sse_algorithm"] == algorithm
    if algorithm == "aws:kms":
        assert default["kms_master_key_id"] == "${aws_kms_key.mailman.arn}"
    for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert body[setting] is True, setting
    assert body["attach_deny_insecure_transport_policy"] is True
    assert config.resource("aws_kms_key", "mailman")["enable_key_rotation"] is True


def test_rds_postgres_17_encrypted_multi_az_private_and_monitored(config: Config) -> None:
    rds = config.modules["rds"]
    assert (rds["engine"], rds["engine_version"], rds["family"]) == ("postgres", "17", "postgres17")
    assert rds["instance_class"] == "${var.db_instance_class}"
    assert config.variables["db_instance_class"]["default"] == "db.t3.micro"
    assert rds["multi_az"] == "${var.db_multi_az}" and config.variables["db_multi_az"]["default"] is True
    assert rds["storage_encrypted"] is True
    assert rds["publicly_accessible"] is False
    assert rds["db_subnet_group_name"] == "${module.vpc.database_subnet_group_name}"
    assert rds["vpc_security_group_ids"] == ["${aws_security_group.rds.id}"]
    assert rds["monitoring_interval"] == 60 and rds["create_monitoring_role"] is True
    assert rds["manage_master_user_password"] is True


QUEUE_TABLE = {  # docs/architecture.md#queues: visibility, max receives, receive wait (0 = short polling), FIFO
    "inbound": (60, 5, 0, False),
    "outbound": (300, 3, 20, False),
    "telemetry": (60, 10, 0, False),
    "webhooks": (60, 7, 20, True),
}


def test_the_queue_table(config: Config) -> None:
    queues = config.locals["queues"]
    assert set(queues) == set(QUEUE_TABLE)
    for name, (visibility, receives, wait, fifo) in QUEUE_TABLE.items():
        queue = queues[name]
        assert queue["visibility_timeout_seconds"] == visibility, name
        assert queue["max_receive_count"] == receives, name
        assert queue["receive_wait_time_seconds"] == wait, name
        assert queue["fifo_queue"] is fifo, name


def test_each_queue_has_a_dlq_after_max_receives_and_14_day_retention(config: Config) -> None:
    module = config.modules["queues"]
    assert module["for_each"] == "${local.queues}"
    assert config.locals["message_retention_seconds"] == 14 * 24 * 60 * 60
    assert module["message_retention_seconds"] == "${local.message_retention_seconds}"
    assert module["dlq_message_retention_seconds"] == "${local.message_retention_seconds}"
    assert module["create_dlq"] is True
    assert module["redrive_policy"] == {"maxReceiveCount": "${each.value.max_receive_count}"}
    assert module["visibility_timeout_seconds"] == "${each.value.visibility_timeout_seconds}"
    assert module["receive_wait_time_seconds"] == "${each.value.receive_wait_time_seconds}"
    assert module["fifo_queue"] == "${each.value.fifo_queue}"


def test_sns_topics_feed_their_queues_and_only_their_topic_may_send(config: Config) -> None:
    topics = config.locals["queue_topics"]
    assert topics == {
        "inbound": "${aws_sns_topic.inbound_notification.arn}",
        "telemetry": "${aws_sns_topic.delivery_events.arn}",
    }
    subscription = config.resource("aws_sns_topic_subscription", "queues")
    assert subscription["for_each"] == "${local.queue_topics}"
    assert subscription["protocol"] == "sqs"
    assert subscription["endpoint"] == "${module.queues[each.key].queue_arn}"
    assert subscription["raw_message_delivery"] is False  # the worker reads the SNS envelope
    statement = config.modules["queues"]["queue_policy_statements"]["sns"]
    assert statement["principals"] == [{"type": "Service", "identifiers": ["sns.amazonaws.com"]}]
    assert statement["condition"][0]["variable"] == "aws:SourceArn"
    assert config.modules["queues"]["create_queue_policy"] == "${contains(keys(local.queue_topics), each.key)}"


def container_environment(config: Config) -> dict[str, str]:
    entries = config.locals["container_environment"]
    return dict(re.findall(r'name\s*=\s*"(\w+)",\s*value\s*=\s*([^}]+?)\s*}', entries))


def services(config: Config) -> dict[str, Any]:
    found: dict[str, Any] = config.modules["ecs"]["services"]
    return found


def test_ecs_fargate_services_size_ports_and_private_subnets(config: Config) -> None:
    api, worker = services(config)["mailman-api"], services(config)["mailman-worker"]
    for service in (api, worker):
        assert (service["cpu"], service["memory"]) == (256, 512)
        assert service["requires_compatibilities"] == ["FARGATE"]
        assert service["subnet_ids"] == "${module.vpc.private_subnets}"
        assert service["assign_public_ip"] is False
    assert api["container_definitions"]["api"]["portMappings"] == [
        {"name": "http", "containerPort": 8080, "protocol": "tcp"}
    ]
    assert worker["container_definitions"]["worker"]["portMappings"] == []
    assert api["load_balancer"]["api"]["container_port"] == 8080
    assert config.modules["ecs"]["default_capacity_provider_strategy"]["FARGATE"]["weight"] == 100


def test_containers_run_the_cli_entrypoints_with_health_checks_and_json_logs(config: Config) -> None:
    api = services(config)["mailman-api"]["container_definitions"]
    worker = services(config)["mailman-worker"]["container_definitions"]
    assert api["api"]["command"] == ["api", "--host", "0.0.0.0", "--port", "8080"]
    assert api["migrate"]["command"] == ["migrate"] and api["migrate"]["essential"] is False
    assert api["api"]["dependsOn"] == [{"containerName": "migrate", "condition": "SUCCESS"}]
    assert worker["worker"]["command"] == ["worker"]
    assert "http://127.0.0.1:8080/health" in " ".join(api["api"]["healthCheck"]["command"])
    health = config.modules["alb"]["target_groups"]["api"]["health_check"]
    assert health["path"] == "/health"
    for container in (api["api"], api["migrate"], worker["worker"]):
        assert container["enable_cloudwatch_logging"] is True
        assert container["cloudwatch_log_group_name"].startswith("/ecs/${local.name}/")
        assert container["environment"] == "${local.container_environment}"
        assert container["secrets"] == "${local.container_secrets}"
    assert container_environment(config)["MAILMAN_LOG_FORMAT"] == '"json"'


def test_containers_get_every_setting_the_aws_backend_requires(config: Config) -> None:
    environment = container_environment(config)
    assert aws_settings_the_services_require() <= set(environment)
    assert environment["MAILMAN_BACKEND"] == '"aws"'
    assert environment["MAILMAN_RAW_BUCKET"] == "module.raw_mail_bucket.s3_bucket_id"
    assert environment["MAILMAN_ATTACHMENTS_BUCKET"] == "module.attachments_bucket.s3_bucket_id"
    for queue in QUEUE_TABLE:
        assert environment[f"MAILMAN_{queue.upper()}_QUEUE_URL"] == f'module.queues["{queue}"].queue_url'
    assert environment["MAILMAN_SES_CONFIGURATION_SET"] == (
        "aws_sesv2_configuration_set.mailman.configuration_set_name"
    )
    # MAILMAN_DATABASE_URL is joined in the image from these parts and the RDS-managed secret's password.
    assert environment["MAILMAN_DATABASE_HOST"] == "module.rds.db_instance_address"
    secrets = config.locals["container_secrets"]
    assert 'name = "MAILMAN_DATABASE_PASSWORD"' in secrets
    assert "module.rds.db_instance_master_user_secret_arn}:password::" in secrets


def test_task_roles_are_least_privilege_with_a_sid_per_statement(config: Config) -> None:
    storage = config.locals["mail_storage_statements"]
    for name, service in services(config).items():
        statements = service["tasks_iam_role_statements"]
        assert statements.startswith("${concat(local.mail_storage_statements, [")
        sids = re.findall(r'sid\s*=\s*"(\w+)"', statements)
        assert len(sids) == statements.count("actions"), name
        assert '"*"' not in statements and '"*"' not in str(storage), name
        assert service["task_exec_secret_arns"] == "${local.task_secret_arns}"
    assert all(statement["sid"] for statement in storage)
    resources = [resource for statement in storage for resource in statement["resources"]]
    assert resources == [
        "${module.raw_mail_bucket.s3_bucket_arn}/raw/*",
        "${module.attachments_bucket.s3_bucket_arn}/*",
        "${aws_kms_key.mailman.arn}",
    ]
    # Deleting mail (DELETE, retention) deletes its raw copy and the attachments no other message holds.
    for statement in storage[:2]:
        assert statement["actions"] == ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    api = services(config)["mailman-api"]["tasks_iam_role_statements"]
    assert 'resources = [local.queue_arns["outbound"], local.queue_arns["webhooks"]]' in api
    assert "resources = local.identity_arns" in api
    worker = services(config)["mailman-worker"]["tasks_iam_role_statements"]
    assert "resources = values(local.queue_arns)" in worker
    assert "concat(local.identity_arns, [aws_sesv2_configuration_set.mailman.arn])" in worker
    assert "resources = local.identity_arns" in worker  # the default domain is ensured by every process


def test_api_target_tracking_and_worker_step_scaling(config: Config) -> None:
    api = services(config)["mailman-api"]
    metrics = {
        policy["target_tracking_scaling_policy_configuration"]["predefined_metric_specification"][
            "predefined_metric_type"
        ]
        for policy in api["autoscaling_policies"].values()
        if policy["policy_type"] == "TargetTrackingScaling"
    }
    assert metrics == {"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"}
    worker = services(config)["mailman-worker"]
    assert worker["enable_autoscaling"] is True
    kinds = {name: policy["policy_type"] for name, policy in worker["autoscaling_policies"].items()}
    assert kinds == {"scale-out": "StepScaling", "scale-in": "StepScaling"}


def test_the_three_security_group_rules(config: Config) -> None:
    ingress = {name: body for (kind, name), body in config.resources.items() if kind.endswith("_ingress_rule")}
    https = ingress["alb_https"]
    assert (https["cidr_ipv4"], https["from_port"], https["to_port"]) == ("0.0.0.0/0", 443, 443)
    api = ingress["api_from_alb"]
    assert api["security_group_id"] == "${aws_security_group.api.id}"
    assert api["referenced_security_group_id"] == "${aws_security_group.alb.id}"
    assert (api["from_port"], api["to_port"]) == (8080, 8080)
    rds = ingress["rds_from_ecs"]
    assert rds["security_group_id"] == "${aws_security_group.rds.id}"
    assert rds["for_each"] == {"api": "${aws_security_group.api.id}", "worker": "${aws_security_group.worker.id}"}
    assert (rds["from_port"], rds["to_port"]) == (5432, 5432)
    # Nothing else may reach the tasks or the database; the ALB also takes port 80 to redirect it.
    assert set(ingress) == {"alb_https", "alb_http", "api_from_alb", "rds_from_ecs"}
    assert ingress["alb_http"]["security_group_id"] == "${aws_security_group.alb.id}"


def test_alb_https_with_the_validated_certificate_and_http_redirect(config: Config) -> None:
    alb = config.modules["alb"]
    https, http = alb["listeners"]["https"], alb["listeners"]["http-https-redirect"]
    assert (https["port"], https["protocol"]) == (443, "HTTPS")
    assert https["certificate_arn"] == "${aws_acm_certificate_validation.api.certificate_arn}"
    assert https["forward"] == {"target_group_key": "api"}
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    assert http["redirect"] == {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}
    assert alb["security_groups"] == ["${aws_security_group.alb.id}"]
    # Longer than the event stream's 15 s heartbeat by a wide margin: streams are never cut as idle.
    assert alb["idle_timeout"] >= 60
    assert config.resource("aws_acm_certificate", "api")["validation_method"] == "DNS"
    assert ("aws_acm_certificate_validation", "api") in config.resources


def test_ecr_repository_per_image_and_github_oidc(config: Config) -> None:
    assert config.locals["images"] == '${toset(["mailman-api", "mailman-worker"])}'
    assert config.modules["ecr"]["for_each"] == "${local.images}"
    assert config.modules["ecr"]["repository_read_write_access_arns"] == ["${module.github_actions_role.arn}"]
    assert config.modules["github_oidc_provider"]["url"] == "https://token.actions.githubusercontent.com"
    role = config.modules["github_actions_role"]
    assert role["enable_github_oidc"] is True
    assert role["oidc_subjects"] == ["${var.github_repository}:ref:refs/heads/main"]
    assert all(statement["sid"] for statement in role["inline_policy_permissions"].values())


def test_ses_identities_receipt_rule_and_configuration_set(config: Config) -> None:
    identity = config.resource("aws_sesv2_email_identity", "domains")
    assert identity["for_each"] == "${toset(var.ses_domains)}"
    assert identity["dkim_signing_attributes"] == [{"next_signing_key_length": "RSA_2048_BIT"}]
    rule = config.resource("aws_ses_receipt_rule", "store_and_notify")
    (action,) = rule["s3_action"]
    # The S3 blob store reads keys under raw/ from the raw-mail bucket (services/.../adapters/aws.py).
    assert config.locals["ses_object_key_prefix"].startswith("raw/")
    assert action["object_key_prefix"] == "${local.ses_object_key_prefix}"
    assert action["bucket_name"] == "${module.raw_mail_bucket.s3_bucket_id}"
    assert action["topic_arn"] == "${aws_sns_topic.inbound_notification.arn}"
    assert rule["recipients"] == "${var.ses_domains}"
    active = config.resource("aws_ses_active_receipt_rule_set", "mailman")
    assert active["rule_set_name"] == "${aws_ses_receipt_rule_set.mailman.rule_set_name}"
    destination = config.resource("aws_sesv2_configuration_set_event_destination", "delivery_events")
    (event,) = destination["event_destination"]
    assert event["matching_event_types"] == "${local.ses_event_types}"
    assert set(config.locals["ses_event_types"]) == {
        "SEND",
        "DELIVERY",
        "BOUNCE",
        "COMPLAINT",
        "REJECT",
        "DELIVERY_DELAY",
    }
    assert event["sns_destination"] == [{"topic_arn": "${aws_sns_topic.delivery_events.arn}"}]
    bucket_policy = config.data[("aws_iam_policy_document", "raw_mail_bucket")]["statement"][0]
    assert bucket_policy["resources"][0].endswith("/${local.ses_object_key_prefix}*")


EXPECTED_ALARMS = {
    "${local.name}-inbound-dlq-depth",
    "${local.name}-outbound-dlq-depth",
    "${local.name}-telemetry-dlq-depth",
    "${local.name}-inbound-queue-age",
    "${local.name}-outbound-queue-age",
    "${local.name}-api-task-count",
    "${local.name}-worker-task-count",
    "${local.name}-alb-5xx-rate",
    "${local.name}-worker-scaling-high",
    "${local.name}-worker-scaling-low",
}


def alarm_names(config: Config) -> set[str]:
    names: set[str] = set()
    for module in ALARM_MODULES:
        body = config.modules[module]
        keys = body.get("for_each")
        if keys is None:
            names.add(body["alarm_name"])
            continue
        local = config.locals[keys.removeprefix("${local.").removesuffix("}")]
        members = local if isinstance(local, dict) else re.findall(r'"(\w+)"', local)
        names |= {body["alarm_name"].replace("${each.key}", key) for key in members}
    return names


def test_the_alarm_list_all_to_the_alarms_topic(config: Config) -> None:
    assert alarm_names(config) == EXPECTED_ALARMS
    assert config.locals["alarm_actions"] == ["${module.alarms_topic.topic_arn}"]
    for module in ALARM_MODULES:
        assert "local.alarm_actions" in str(config.modules[module]["alarm_actions"]), module


def test_the_three_environments_and_their_differences() -> None:
    values = {environment: tfvars(environment) for environment in ENVIRONMENTS}
    for environment, settings in values.items():
        assert settings["environment"] == environment
    dev, staging, production = (values[name] for name in ENVIRONMENTS)
    assert dev["db_multi_az"] is False and dev["one_nat_gateway_per_az"] is False  # single AZ, small
    assert dev["api_max_count"] == dev["worker_max_count"] == 1
    assert staging["db_multi_az"] is True and staging["api_min_count"] >= 2  # multi-AZ, medium
    assert production["db_multi_az"] is True and production["one_nat_gateway_per_az"] is True  # full HA
    assert production["db_deletion_protection"] is True
    assert production["api_max_count"] > staging["api_max_count"] > dev["api_max_count"]
    assert production["worker_max_count"] > staging["worker_max_count"] > dev["worker_max_count"]
    assert production["alarm_emails"]


def test_environment_files_set_only_declared_variables_and_every_required_one(config: Config) -> None:
    required = {name for name, body in config.variables.items() if "default" not in body}
    for environment in ENVIRONMENTS:
        settings = tfvars(environment)
        assert set(settings) <= set(config.variables), environment
        assert required <= set(settings), environment


def test_variables_and_outputs_are_described_and_typed(config: Config) -> None:
    for name, body in config.variables.items():
        assert body.get("description") and body.get("type"), f"variable {name}"
    for name, body in config.outputs.items():
        assert body.get("description"), f"output {name}"
