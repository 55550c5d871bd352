data "aws_region" "current" {}

output "user_pool_id" {
  description = "User pool id (COGNITO_USER_POOL_ID)."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "User pool ARN (IAM policies)."
  value       = aws_cognito_user_pool.this.arn
}

output "domain" {
  description = "Host of the pool's hosted login and OAuth endpoints (COGNITO_DOMAIN)."
  value       = "${aws_cognito_user_pool_domain.this.domain}.auth.${data.aws_region.current.name}.amazoncognito.com"
}

output "admin_client_id" {
  description = "solution-assist-client id (OIDC_RP_CLIENT_ID)."
  value       = aws_cognito_user_pool_client.solution_assist.id
}

output "admin_client_secret_arn" {
  description = "Secret holding solution-assist-client's secret (OIDC_RP_CLIENT_SECRET)."
  value       = aws_secretsmanager_secret.oidc_client_secret.arn
}

output "kom_client_id" {
  description = "Kom-client id (register it on KOM's ApiClient)."
  value       = aws_cognito_user_pool_client.partner["KOM"].id
}

output "partner_clients" {
  description = "Partner app clients by source: client_id and scopes (input of manage.py register_partner_clients)."
  value = {
    for source, client in aws_cognito_user_pool_client.partner :
    source => { client_id = client.id, name = client.name, scopes = sort(tolist(client.allowed_oauth_scopes)) }
  }
}

output "frontend_client_id" {
  description = "frontend-assistences id."
  value       = aws_cognito_user_pool_client.frontend.id
}
