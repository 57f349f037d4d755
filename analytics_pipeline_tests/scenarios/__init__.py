"""Hand-computed scenarios, as raw landing data plus the values the pipeline must produce."""
