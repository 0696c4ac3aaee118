"""Model providers behind one Protocol: anthropic, openai (compatible) and local."""
