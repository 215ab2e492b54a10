"""HTTP plumbing shared by handlers: claims, the error envelope, request parsing."""
