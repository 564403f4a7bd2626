"""Shared web plumbing: the API base, JSON errors, ownership gate, health and metrics."""
