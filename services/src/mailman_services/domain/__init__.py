"""Pure Python rules of Mailman: ids, addresses, MIME, secrets, pagination. No I/O here."""
