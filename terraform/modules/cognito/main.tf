# The seed's CognitoStack: pool `solution-assist-cognito-pool` (e-mail sign-in, e-mail auto-verified,
# LITE feature plan), domain `solution-assist-{stage}`, groups, resource servers with read/write
# scopes, and three app clients. The admin's OIDC client secret is stored in Secrets Manager for the
# tasks (OIDC_RP_CLIENT_SECRET).

resource "aws_cognito_user_pool" "this" {
  name                     = var.pool_name
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  user_pool_tier           = "LITE"
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

  admin_create_user_config {
    # The seed allows self sign-up; a self-registered user still gets no admin access until an
    # administrator puts them in a group (the application maps groups on every login).
    allow_admin_create_user_only = !var.self_sign_up_enabled
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 3
  }

  username_configuration {
    case_sensitive = false
  }

  schema {
    name                = "email"
    attribute_data_type = "String"
    required            = true
    mutable             = true

    string_attribute_constraints {
      min_length = 3
      max_length = 254
    }
  }
}

resource "aws_cognito_user_pool_domain" "this" {
  domain       = "solution-assist-${var.stage}"
  user_pool_id = aws_cognito_user_pool.this.id
}

resource "aws_cognito_user_group" "this" {
  for_each = var.groups

  name         = each.key
  description  = each.value
  user_pool_id = aws_cognito_user_pool.this.id
}

# Identifiers spelled as in the seed (`assistences`); partners' tokens carry them in their scopes.
resource "aws_cognito_resource_server" "this" {
  for_each = toset(["assistences-services", "kom-services"])

  identifier   = each.key
  name         = each.key
  user_pool_id = aws_cognito_user_pool.this.id

  scope {
    scope_name        = "read"
    scope_description = "Read access"
  }

  scope {
    scope_name        = "write"
    scope_description = "Write access"
  }
}

locals {
  callback_urls = [for host in var.app_hosts : "https://${host}/oidc/callback/"]
  logout_urls   = [for host in var.app_hosts : "https://${host}/admin/login/"]

  assistences_scopes = [for s in ["read", "write"] : "${aws_cognito_resource_server.this["assistences-services"].identifier}/${s}"]
}

# Partner systems: machine to machine, client credentials, one app client each (var.partner_clients).
# The API registers each client id on the partner's API client (manage.py register_partner_clients).
resource "aws_cognito_user_pool_client" "partner" {
  for_each = var.partner_clients

  name                                 = each.value.name
  user_pool_id                         = aws_cognito_user_pool.this.id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_scopes = flatten([
    for server in each.value.resource_servers : [
      for s in each.value.scopes : "${aws_cognito_resource_server.this[server].identifier}/${s}"
    ]
  ])
  supported_identity_providers  = ["COGNITO"]
  explicit_auth_flows           = ["ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  access_token_validity         = 60
  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

# Kom-client was a single resource before partners became a map: keep the same app client (and id).
moved {
  from = aws_cognito_user_pool_client.kom
  to   = aws_cognito_user_pool_client.partner["KOM"]
}

# The Django admin's OIDC client (mozilla-django-oidc): confidential, authorization code.
resource "aws_cognito_user_pool_client" "solution_assist" {
  name                                 = "solution-assist-client"
  user_pool_id                         = aws_cognito_user_pool.this.id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = concat(["openid", "email", "profile"], local.assistences_scopes)
  callback_urls                        = local.callback_urls
  logout_urls                          = local.logout_urls
  supported_identity_providers         = ["COGNITO"]
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true
}

# The seed's browser front end: public client (no secret), authorization code with PKCE.
resource "aws_cognito_user_pool_client" "frontend" {
  name                                 = "frontend-assistences"
  user_pool_id                         = aws_cognito_user_pool.this.id
  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = concat(["openid", "email", "profile"], local.assistences_scopes)
  callback_urls                        = local.callback_urls
  logout_urls                          = local.logout_urls
  supported_identity_providers         = ["COGNITO"]
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true
}

resource "aws_secretsmanager_secret" "oidc_client_secret" {
  #checkov:skip=CKV2_AWS_57:The value is Cognito's app client secret; it changes only when the client is recreated, which terraform writes here.
  name                    = "${var.name_prefix}/oidc-client-secret"
  description             = "Client secret of solution-assist-client (OIDC_RP_CLIENT_SECRET)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.deletion_protection ? 30 : 0
}

resource "aws_secretsmanager_secret_version" "oidc_client_secret" {
  secret_id     = aws_secretsmanager_secret.oidc_client_secret.id
  secret_string = aws_cognito_user_pool_client.solution_assist.client_secret
}
