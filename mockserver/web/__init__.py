"""The connexion glue: spec-first routing, security and validation feeding the core pipeline."""
