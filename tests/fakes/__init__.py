"""Stand-ins for the outside systems the platform talks to, served on loopback for tests."""
