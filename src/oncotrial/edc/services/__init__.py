"""The services: the rules of the trial, applied to every write and read of trial data."""
