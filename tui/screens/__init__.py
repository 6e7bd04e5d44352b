"""Modal screens of the Textual app: approvals, ratings, run details, sessions, help."""
