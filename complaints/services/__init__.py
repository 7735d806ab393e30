"""Writes of complaints: `cases` (filing, workflow moves, rating, escalation) and `clocks` (the 2341 clocks
computed from the timeline, extensions, the beat's check)."""
