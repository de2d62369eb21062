"""The pilot evaluation: who is pilot and control, the panels, one run of the engine, its words and answer."""
