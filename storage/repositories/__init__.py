"""Repository functions: small queries named verb + noun, taking the session keyword-only."""
