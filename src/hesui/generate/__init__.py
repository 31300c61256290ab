"""Generation: the length controller (control.py) and the engines that run a model with it (engine.py)."""
