"""What the receiver and the workers both use: settings, errors, clients, ledger, mappers, upsert."""
