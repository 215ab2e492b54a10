"""Dev-only tools: the local stack, tokens, invoking functions, OpenAPI export. Not in the layer."""
