"""Charts, debriefs and comparisons built from the event log (issue 4)."""
