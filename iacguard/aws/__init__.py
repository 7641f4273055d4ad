"""AWS: IAM policy documents and (in later versions) the AWS policy resolver."""
