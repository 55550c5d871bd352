output "alb_dns_name" {
  description = "Point the DNS name(s) of app_hosts here."
  value       = module.ecs.alb_dns_name
}

output "alb_zone_id" {
  description = "Hosted zone id of the load balancer (Route 53 alias)."
  value       = module.ecs.alb_zone_id
}

output "ecr_repository_url" {
  description = "Image repository."
  value       = module.ecs.ecr_repository_url
}

output "cluster_name" {
  description = "ECS cluster."
  value       = module.ecs.cluster_name
}

output "service_names" {
  description = "ECS services."
  value       = module.ecs.service_names
}

output "task_families" {
  description = "Task definition families (run one-off commands with the worker's)."
  value       = module.ecs.task_families
}

output "private_subnet_ids" {
  description = "Subnets for one-off tasks."
  value       = module.network.private_subnet_ids
}

output "tasks_security_group_id" {
  description = "Security group for one-off tasks."
  value       = module.ecs.tasks_security_group_id
}

output "log_group_names" {
  description = "Container log groups."
  value       = module.ecs.log_group_names
}

output "nat_public_ips" {
  description = "Egress addresses (for MOK's allow-list)."
  value       = module.network.nat_public_ips
}

output "cognito_user_pool_id" {
  description = "User pool id."
  value       = module.cognito.user_pool_id
}

output "cognito_domain" {
  description = "Hosted login domain."
  value       = module.cognito.domain
}

output "kom_client_id" {
  description = "Kom-client app client id (its secret is in the Cognito console)."
  value       = module.cognito.kom_client_id
}

output "partner_clients" {
  description = "Partner app clients by source (client_id, scopes): feed them to manage.py register_partner_clients."
  value       = module.cognito.partner_clients
}

output "github_connection_arn" {
  description = "Finish this connection in the console once after the first apply."
  value       = module.pipeline.github_connection_arn
}

output "pipeline_name" {
  description = "CodePipeline of the environment."
  value       = module.pipeline.pipeline_name
}
