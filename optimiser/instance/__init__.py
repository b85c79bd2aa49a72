"""Reading and checking an instance: its files, schema, road graph and travel times."""
