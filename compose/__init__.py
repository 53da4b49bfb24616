"""dockyard's orchestrator: compose files in, a typed Project out, plans run against the embedded runtime."""
