"""The command line: thin click commands over plain functions, the demo, the data generator, the importer."""
