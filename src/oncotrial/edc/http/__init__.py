"""The HTTP API over the services: routes, request and answer schemas, error mapping."""
