output "cluster_name" {
  description = "ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ECS cluster ARN."
  value       = aws_ecs_cluster.this.arn
}

output "ecr_repository_url" {
  description = "Image repository the pipeline pushes to."
  value       = aws_ecr_repository.this.repository_url
}

output "ecr_repository_arn" {
  description = "Image repository ARN."
  value       = aws_ecr_repository.this.arn
}

output "task_families" {
  description = "Task definition family per role (web, worker, beat, migrate)."
  value       = { for role, td in aws_ecs_task_definition.role : role => td.family }
}

output "service_names" {
  description = "Service per long-running role."
  value = {
    web    = aws_ecs_service.web.name
    worker = aws_ecs_service.worker.name
    beat   = aws_ecs_service.beat.name
  }
}

output "task_role_arns" {
  description = "Task role per role (the pipeline passes them when it registers revisions)."
  value       = { for role, r in aws_iam_role.task : role => r.arn }
}

output "execution_role_arn" {
  description = "Execution role shared by every task definition."
  value       = aws_iam_role.execution.arn
}

output "tasks_security_group_id" {
  description = "Security group of every task (database and Redis accept it)."
  value       = aws_security_group.tasks.id
}

output "alb_arn" {
  description = "Load balancer ARN (the WAF attaches to it)."
  value       = aws_lb.this.arn
}

output "alb_dns_name" {
  description = "Point the application's DNS name (CNAME or alias) here."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer (for a Route 53 alias)."
  value       = aws_lb.this.zone_id
}

output "log_group_names" {
  description = "CloudWatch log group per role."
  value       = { for role, g in aws_cloudwatch_log_group.role : role => g.name }
}
