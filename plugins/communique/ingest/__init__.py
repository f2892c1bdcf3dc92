"""Archive exports and the API v2 in, store records out. Never imports the site."""
