"""Strength training for runners: the exercise library, logging in chat with a confirmation,
corrections, history (volume, Epley's estimated 1RM, records), routines, Strong and Hevy imports,
and exercises suggested for running findings."""
