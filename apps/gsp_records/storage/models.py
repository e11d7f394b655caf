"""Models of this part of the GSP records."""
