variable "allowed_account_ids" {
  description = "Accounts this root may touch (a guard against applying prod with the wrong credentials)."
  type        = list(string)
}

variable "client" {
  description = "Tag Client."
  type        = string
  default     = "bigtree"
}

variable "partner" {
  description = "Tags Partner and Author."
  type        = string
  default     = "terrawind"
}

variable "project" {
  description = "Tag Project."
  type        = string
  default     = "bigtree-assist"
}

variable "app_hosts" {
  description = "Host names of the application in prod."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate in us-east-2 covering app_hosts."
  type        = string
}

variable "nat_gateway_count" {
  description = "NAT gateways (0 like the seed). MOK deliveries and the Cognito login need egress: see terraform/modules/network/README.md."
  type        = number
  default     = 0
}

variable "mok_tracking_url" {
  description = "MOK's tracking endpoint (empty: delivery off)."
  type        = string
  default     = ""
}

variable "mail_domain" {
  description = "Domain verified in SES (the environment's region) that guarantee-of-payment e-mails are sent from."
  type        = string
}

variable "exchange_rates_url" {
  description = "Where the periodic job downloads the exchange rates CSV; empty turns it off."
  type        = string
  default     = ""
}

variable "admin_password_login" {
  description = "Keep the Django password login next to Cognito's."
  type        = bool
  default     = false
}

variable "alarm_emails" {
  description = "Who receives the alarms."
  type        = list(string)
  default     = []
}

variable "db_instance_class" {
  # docs/capacity.md: MariaDB spent 3 ms of CPU per request in the storm; 10 new cases/s need ~0.25
  # vCPU and a buffer pool for the hot cases (16 GiB); 100 new cases/s need ~2.3 vCPU: db.r6g.xlarge.
  description = "RDS instance class."
  type        = string
  default     = "db.r6g.large"
}

variable "db_multi_az" {
  description = "RDS Multi-AZ standby."
  type        = bool
  default     = false
}

variable "waf_blocked_country_codes" {
  description = "Countries blocked by WAF."
  type        = list(string)
  default     = []
}
