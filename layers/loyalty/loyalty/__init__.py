"""Loyalty engine: the shared layer (domain rules, DynamoDB store, use cases, HTTP plumbing)."""
