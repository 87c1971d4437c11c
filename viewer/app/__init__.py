"""The PyQt5 desktop window on top of the scene layer."""
