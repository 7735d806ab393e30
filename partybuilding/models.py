"""Tables of partybuilding/ arrive with its issue; the app is wired in from the foundation."""
