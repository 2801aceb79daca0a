"""The demo: a small local web of named sites, each showing a different signal."""
