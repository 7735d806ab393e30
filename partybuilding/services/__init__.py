"""Writes of party building: loading rolls, volunteers' requests, tasks, joint meetings."""
