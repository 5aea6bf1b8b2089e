"""The weekly check-in: a conversation about the week, stored as a wellness log."""
