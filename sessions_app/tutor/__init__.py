"""The tutor socket (SPEC 6): consumer, delivery, event log, turns and their contract."""
