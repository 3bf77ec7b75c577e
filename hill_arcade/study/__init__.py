"""Study mode core (no UI): questionnaires, crash-safe logs, sessions, time limits, reports."""
