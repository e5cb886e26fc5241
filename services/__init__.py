"""Work that follows the data, below every page: the write pipeline, the search index, picture files."""
