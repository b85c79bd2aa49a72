"""Rendering of option reports: reads results, never touches the model."""
