"""Tables of complaints/ arrive with its issue; the app is wired in from the foundation."""
