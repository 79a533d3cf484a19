"""The models as a service: Open Inference Protocol (KServe v2) HTTP API, API tokens, Ray Serve entry."""
