# Non-secret inputs only. The two sensitive variables (db_password,
# openai_api_key) come from TF_VAR_db_password / TF_VAR_openai_api_key.
vpc_id = "vpc-0f3a61c2b9d84e571"

private_subnet_ids = [
  "subnet-0a41c7e93b2d5f816",
  "subnet-0b92d4f17c3e6a025",
]
