"""Settings, database models, migrations and the user-scoped repositories."""
