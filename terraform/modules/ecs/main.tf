# ECS Fargate: one image, four task definitions chosen by command (docker/entrypoint.sh: web, worker,
# beat, migrate), three services (web behind the ALB, worker autoscaled on queue depth, exactly one
# beat) and the one-off migrate task the pipeline runs before rolling the services.
#
# Deployments: the pipeline registers new revisions of these task definitions with the new image
# (copying everything else from the latest revision, so environment changes made here ride along)
# and updates the services. Terraform therefore ignores the services' task_definition after creation.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  web_port   = 8000
  # The ALB closes idle connections after this; gunicorn keeps them open longer (GUNICORN_KEEPALIVE).
  alb_idle_timeout = 60

  roles = {
    web = {
      command      = ["web"]
      cpu          = var.web_cpu
      memory       = var.web_memory
      stop_timeout = var.web_stop_timeout
    }
    worker = {
      command      = ["worker"]
      cpu          = var.worker_cpu
      memory       = var.worker_memory
      stop_timeout = var.worker_stop_timeout
    }
    beat = {
      command      = ["beat"]
      cpu          = var.beat_cpu
      memory       = var.beat_memory
      stop_timeout = 30
    }
    migrate = {
      command      = ["migrate"]
      cpu          = var.migrate_cpu
      memory       = var.migrate_memory
      stop_timeout = 30
    }
  }

  image = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"

  container_base = {
    for role, cfg in local.roles : role => {
      name      = role
      image     = local.image
      essential = true
      command   = cfg.command
      environment = [
        for name, value in merge(local.app_environment, local.role_environment[role]) : { name = name, value = value }
      ]
      secrets = [
        for name, arn in local.app_secrets : { name = name, valueFrom = arn }
      ]
      readonlyRootFilesystem = true
      mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      stopTimeout            = cfg.stop_timeout
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.role[role].name
          awslogs-region        = local.region
          awslogs-stream-prefix = role
        }
      }
    }
  }

  container_definitions = {
    web = jsonencode([merge(local.container_base["web"], {
      portMappings = [{ containerPort = local.web_port, protocol = "tcp" }]
      # ECS ignores the image's HEALTHCHECK; the same probe (GET /health/live on loopback) is declared here.
      healthCheck = {
        command     = ["CMD", "python", "/app/docker/healthcheck.py"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
    })])
    worker  = jsonencode([local.container_base["worker"]])
    beat    = jsonencode([local.container_base["beat"]])
    migrate = jsonencode([local.container_base["migrate"]])
  }
}

resource "aws_ecs_cluster" "this" {
  name = var.name_prefix

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

# --- Image repository ----------------------------------------------------------------------------

resource "aws_ecr_repository" "this" {
  name                 = var.name_prefix
  image_tag_mutability = "IMMUTABLE" # tags are commit ids: a tag always means the same image
  force_delete         = var.force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Drop untagged layers after a week"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the newest images (rollbacks pick from these)"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = var.images_kept }
        action       = { type = "expire" }
      },
    ]
  })
}

# --- Logs ----------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "role" {
  for_each = local.roles

  name              = "/ecs/${var.name_prefix}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# --- Application secrets that belong to no other module -----------------------------------------

resource "random_password" "django_secret_key" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "django_secret_key" {
  #checkov:skip=CKV2_AWS_57:Rotating DJANGO_SECRET_KEY logs every operator out and invalidates signed links; it is rotated by hand (README), not on a schedule.
  name                    = "${var.name_prefix}/django-secret-key"
  description             = "DJANGO_SECRET_KEY of ${var.name_prefix}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "django_secret_key" {
  secret_id     = aws_secretsmanager_secret.django_secret_key.id
  secret_string = random_password.django_secret_key.result

  # A value rotated by hand stays: terraform only writes the first one.
  lifecycle {
    ignore_changes = [secret_string]
  }
}

# The HMAC key shared with MOK for tracking deliveries. Terraform writes a random placeholder; the
# value agreed with MOK is put in by an operator (README) and terraform leaves it alone.
resource "random_password" "mok_tracking_secret" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret" "mok_tracking_secret" {
  #checkov:skip=CKV2_AWS_57:Shared with MOK, so it changes only when MOK and we agree a new key.
  name                    = "${var.name_prefix}/mok-tracking-secret"
  description             = "MOK_TRACKING_SECRET (HMAC key of tracking deliveries) of ${var.name_prefix}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "mok_tracking_secret" {
  secret_id     = aws_secretsmanager_secret.mok_tracking_secret.id
  secret_string = random_password.mok_tracking_secret.result

  lifecycle {
    ignore_changes = [secret_string]
  }
}

# --- Task definitions ----------------------------------------------------------------------------

resource "aws_ecs_task_definition" "role" {
  for_each = local.container_definitions

  family                   = "${var.name_prefix}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = local.roles[each.key].cpu
  memory                   = local.roles[each.key].memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn
  container_definitions    = each.value

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # Fargate ephemeral storage mounted on /tmp (gunicorn's heartbeat files, beat's schedule).
  volume {
    name = "tmp"
  }
}

# --- Services ------------------------------------------------------------------------------------

resource "aws_security_group" "tasks" {
  name        = "${var.name_prefix}-tasks"
  description = "ECS tasks: HTTP from the load balancer; out to MySQL, Redis and HTTPS"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name_prefix}-tasks" }
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Gunicorn from the load balancer"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = local.web_port
  to_port                      = local.web_port
}

resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS: VPC endpoints, S3 gateway, and (through NAT) MOK and Cognito's hosted endpoints"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "tasks_mysql" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "MySQL"
  referenced_security_group_id = var.database.security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_vpc_security_group_egress_rule" "tasks_redis" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Redis"
  referenced_security_group_id = var.redis_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}

resource "aws_ecs_service" "web" {
  name                               = "${var.name_prefix}-web"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.role["web"].arn
  desired_count                      = var.web_min_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  health_check_grace_period_seconds  = 60
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = local.web_port
  }

  lifecycle {
    ignore_changes = [task_definition, desired_count]
  }

  depends_on = [aws_lb_listener.https]
}

resource "aws_ecs_service" "worker" {
  name                               = "${var.name_prefix}-worker"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.role["worker"].arn
  desired_count                      = var.worker_min_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  lifecycle {
    ignore_changes = [task_definition, desired_count]
  }
}

# Exactly one beat: two would send every periodic task twice, so a deployment stops the old beat
# before starting the new one (a schedule tick may be skipped, never doubled).
resource "aws_ecs_service" "beat" {
  name                               = "${var.name_prefix}-beat"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.role["beat"].arn
  desired_count                      = 1
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  lifecycle {
    ignore_changes = [task_definition]
  }
}
