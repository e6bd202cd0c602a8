"""Posts: the news and blog of a space."""
