# RDS MySQL 8.0 as the seed's DatabaseStack: one instance (t4g.micro by default), private subnets only,
# encrypted, automated backups. The master password is generated here and kept in Secrets Manager;
# the ECS tasks receive it as DATABASE_PASSWORD from that secret, never as plain configuration.
#
# Why not manage_master_user_password: RDS would rotate that secret on its own schedule, and running
# tasks only read secrets when they start, so their next connection after a rotation would fail until
# a redeploy. Here the password changes only when an operator rotates it on purpose (README).

resource "aws_db_subnet_group" "this" {
  name       = var.name_prefix
  subnet_ids = var.subnet_ids

  tags = { Name = var.name_prefix }
}

resource "aws_security_group" "this" {
  name        = "${var.name_prefix}-database"
  description = "MySQL from the application tasks only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name_prefix}-database" }
}

resource "aws_vpc_security_group_ingress_rule" "from_clients" {
  count = length(var.client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "MySQL from application tasks"
  referenced_security_group_id = var.client_security_group_ids[count.index]
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_db_parameter_group" "this" {
  name   = "${var.name_prefix}-mysql80"
  family = "mysql8.0"

  # The application connects with ssl_mode=REQUIRED; the server refuses anything else.
  parameter {
    name  = "require_secure_transport"
    value = "1"
  }

  parameter {
    name  = "character_set_server"
    value = "utf8mb4"
  }

  parameter {
    name  = "collation_server"
    value = "utf8mb4_unicode_ci"
  }

  # Queries slower than a second reach the slowquery log export (CloudWatch Logs).
  parameter {
    name  = "slow_query_log"
    value = "1"
  }

  parameter {
    name  = "long_query_time"
    value = "1"
  }

  parameter {
    name  = "log_output"
    value = "FILE"
  }
}

# Letters and digits only: the value travels through a JSON secret and the MySQL client unchanged.
resource "random_password" "master" {
  length  = 40
  special = false
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_157:Single-AZ like the seed (cost); set multi_az = true per environment when the availability target needs it.
  #checkov:skip=CKV_AWS_353:Performance Insights is not offered for MySQL on db.t4g.micro, the seed's class.
  #checkov:skip=CKV_AWS_354:Performance Insights is not enabled (see CKV_AWS_353), so there is nothing to encrypt.
  identifier     = var.name_prefix
  engine         = "mysql"
  engine_version = var.engine_version
  instance_class = var.instance_class

  db_name  = var.database_name
  username = var.master_username
  password = random_password.master.result
  port     = 3306

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  multi_az               = var.multi_az
  parameter_group_name   = aws_db_parameter_group.this.name
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  backup_retention_period  = var.backup_retention_days
  backup_window            = "06:00-07:00" # 03:00-04:00 in Buenos Aires, the operators' quiet hours
  maintenance_window       = "sun:07:30-sun:08:30"
  copy_tags_to_snapshot    = true
  delete_automated_backups = false

  auto_minor_version_upgrade          = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["error", "slowquery"]
  monitoring_interval                 = 60
  monitoring_role_arn                 = aws_iam_role.monitoring.arn

  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = !var.deletion_protection
  final_snapshot_identifier = "${var.name_prefix}-final"

  tags = { Name = var.name_prefix }

  # Enhanced monitoring refuses a role whose policy is not attached yet.
  depends_on = [aws_iam_role_policy_attachment.monitoring]
}

resource "aws_iam_role" "monitoring" {
  name = "${var.name_prefix}-rds-monitoring"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

data "aws_partition" "current" {}

# --- Credentials in Secrets Manager ------------------------------------------------------------

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:Rotated by an operator (README): automatic rotation would change the password under running tasks, which read it only at start.
  name                    = "${var.name_prefix}/database"
  description             = "MySQL credentials of ${var.name_prefix} (read by the ECS tasks as DATABASE_PASSWORD)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.deletion_protection ? 30 : 0
}

resource "aws_secretsmanager_secret_version" "this" {
  secret_id = aws_secretsmanager_secret.this.id
  secret_string = jsonencode({
    engine   = "mysql"
    host     = aws_db_instance.this.address
    port     = aws_db_instance.this.port
    dbname   = var.database_name
    username = var.master_username
    password = random_password.master.result
  })
}
