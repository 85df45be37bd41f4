"""The one database, the same on both backends: its schema, its engine and migrations, its prepared reads."""
