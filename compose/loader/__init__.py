"""The compose load pipeline.

Stages, each a small pure module (only ``files`` touches YAML, only ``schema`` touches jsonschema):

    discover  -> which files, which project dir and name (COMPOSE_FILE, -f, parents, override files)
    files     -> read YAML into Documents (data + marks), YAML 1.2 core scalars, !reset/!override; dump YAML
    dotenv    -> .env parsing (Docker Compose's rules)
    interpolate -> ${VAR} substitution in values
    include / extends -> pull in other files and base services
    merge     -> override files onto base files by the spec's rules (consumes !reset/!override)
    schema    -> JSON-schema validation against schemas/compose-spec.json
    canonical -> short syntax to long syntax
    normalize -> defaults, names, absolute paths
    bind      -> dict -> compose.model.Project (the only place untyped data becomes typed)

``pipeline.load_project(LoadOptions) -> LoadedProject`` runs them in order.
"""
