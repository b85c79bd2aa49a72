"""Finding the best configurations: the engine and the strategies it chooses among."""
