"""Widgets of the main window; each gets its collaborators through its constructor."""
