"""Use cases as plain async functions over a database connection and the ports they need."""
