"""Dialogs; each gets its collaborators through its constructor."""
