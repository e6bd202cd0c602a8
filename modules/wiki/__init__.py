"""The wiki module: the space's knowledge base (pages, history, links, trash)."""
