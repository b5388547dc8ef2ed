"""The HTTP API for scripts: ``/api/v1/*`` behind bearer tokens, and its OpenAPI schema."""
