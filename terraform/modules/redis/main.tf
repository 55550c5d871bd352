# ElastiCache Redis: the shared store of the API usage plans (token buckets and monthly quotas per
# API key, updated atomically by every web container). Encrypted at rest and in transit, with an
# AUTH token; the tasks receive the whole connection URL (rediss://:TOKEN@HOST:6379/0) as the secret
# REDIS_URL, since the URL carries the token.

resource "aws_elasticache_subnet_group" "this" {
  name       = var.name_prefix
  subnet_ids = var.subnet_ids
}

resource "aws_security_group" "this" {
  name        = "${var.name_prefix}-redis"
  description = "Redis from the application tasks only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name_prefix}-redis" }
}

resource "aws_vpc_security_group_ingress_rule" "from_clients" {
  count = length(var.client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "Redis from application tasks"
  referenced_security_group_id = var.client_security_group_ids[count.index]
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}

# Letters and digits only, so the token needs no escaping inside the URL.
resource "random_password" "auth" {
  length  = 48
  special = false
}

resource "aws_elasticache_replication_group" "this" {
  #checkov:skip=CKV2_AWS_50:One node by default (cost, like the seed's single-instance choices); num_cache_clusters >= 2 turns on Multi-AZ failover. Losing the node only resets rate counters.
  replication_group_id = var.name_prefix
  description          = "Usage-plan counters of ${var.name_prefix}"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379
  parameter_group_name = var.parameter_group_name

  num_cache_clusters         = var.num_cache_clusters
  automatic_failover_enabled = var.num_cache_clusters > 1
  multi_az_enabled           = var.num_cache_clusters > 1

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [aws_security_group.this.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  auth_token                 = random_password.auth.result

  # The counters are rebuilt by traffic; a daily snapshot is enough to keep monthly quotas.
  snapshot_retention_limit   = var.snapshot_retention_days
  snapshot_window            = "05:00-06:00"
  maintenance_window         = "sun:08:30-sun:09:30"
  auto_minor_version_upgrade = true
  apply_immediately          = false
}

resource "aws_secretsmanager_secret" "url" {
  #checkov:skip=CKV2_AWS_57:The AUTH token is rotated with terraform (taint random_password.auth), which rewrites this URL; tasks read it at start.
  name                    = "${var.name_prefix}/redis-url"
  description             = "Redis connection URL with its AUTH token (REDIS_URL)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "url" {
  secret_id     = aws_secretsmanager_secret.url.id
  secret_string = "rediss://:${random_password.auth.result}@${aws_elasticache_replication_group.this.primary_endpoint_address}:6379/0"
}
