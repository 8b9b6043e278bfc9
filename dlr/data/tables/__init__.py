"""Real tables as datamodules: sources, Grinsztajn-style column preprocessing, the datamodule."""
