"""IPython layer: extension, guards, magics, widget and configuration."""
